"""Import of a registry export (the LSST Gen3 Butler notes: "data is inserted into repo as is, with no id
modification"): the whole document is checked first (services/import_plan.py), then every new
record goes in in one transaction under its own UUID; records already here as they are in the
export are left alone, so importing twice changes nothing.

Refused, every problem listed and nothing written: another major format version or a newer minor
one; a malformed record; a path that would leave its collection folder or the data root; a record
naming what neither the document nor this registry holds; a record here (by UUID; instruments and
collections by name, as in the Butler) with other content; a product whose file is missing or
differs (in the tarball, or under the data root for a document alone). An instrument or collection
that exists here keeps its own record."""

from __future__ import annotations

import json
import tarfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction

from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.registry.models import (
    Collection,
    CollectionChild,
    Instrument,
    Product,
    TagChange,
    TagMembership,
)

from ...ledger.bulk import insert_rows
from ...ledger.execution import process_label, recording
from ...ledger.refusals import InvalidRequest
from ...ledger.roles import OPERATOR
from ...ledger.services.actors import Actor
from ...ledger.services.events import record_event
from ...ledger.services.refusing import refuse, require_role
from .. import registry_format
from ..events import REGISTRY_IMPORTED
from .export import SUBJECT_KINDS
from .import_plan import ImportPlan

Consumes = Execution.inputs.through


class ImportRefused(InvalidRequest):
    code = "import_refused"


@dataclass
class ImportResult:
    """How many new records of each section were written."""

    written: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.written.values())


IMPORT_STEP = "l2portal.registry.import"


def read_export(source: Path, actor: Actor) -> tuple[dict, tarfile.TarFile | None]:
    """The document of an export file (a document, or a tarball holding one and the files)."""
    try:
        if tarfile.is_tarfile(source):
            archive = tarfile.open(source)  # noqa: SIM115 -- the caller closes it after the import
            return json.loads(archive.extractfile(registry_format.DOCUMENT_NAME).read()), archive
        return json.loads(Path(source).read_bytes()), None
    except RecursionError:
        refuse(ImportRefused(f"{Path(source).name} is nested too deep to be a registry export"), actor)
    except (OSError, KeyError, ValueError, AttributeError, tarfile.TarError) as error:
        refuse(ImportRefused(f"{Path(source).name} is not a readable registry export: {error}"), actor)


def import_registry(source: Path, actor: Actor) -> ImportResult:
    """Import the export file ``source`` (``manage.py import_registry``, the API's import)."""
    require_role(actor, OPERATOR, to="import a registry export")
    document, archive = read_export(source, actor)
    try:
        return import_collection(document, actor, archive=archive)
    finally:
        if archive is not None:
            archive.close()


def _refuse(problems: list[str], actor: Actor):
    refuse(
        ImportRefused(
            f"import refused, nothing written ({len(problems)} problems):\n"
            + registry_format.summarize(problems),
            details={"problems": problems[: registry_format.MAX_PROBLEMS], "count": len(problems)},
        ),
        actor,
    )


def import_collection(
    document: dict, actor: Actor, *, archive: tarfile.TarFile | None = None
) -> ImportResult:
    """Import an export document, its files already under the data root or in ``archive``. The
    import is an Execution that heartbeats: killed half way, what it staged is removed by the
    recovery, as a killed task's partial files are."""
    require_role(actor, OPERATOR, to="import a registry export")
    with recording(IMPORT_STEP, parameters={"selection": document.get("selection")}, worker=process_label()):
        return _import(document, actor, archive)


def _import(document: dict, actor: Actor, archive: tarfile.TarFile | None) -> ImportResult:
    problem = registry_format.version_problem(document)
    if problem is not None:
        _refuse([problem], actor)
    problems = registry_format.structure_problems(document)
    if problems:
        _refuse(problems, actor)
    plan = ImportPlan(document)
    try:
        problems = plan.check() or plan.check_files(archive)
        if problems:
            _refuse(problems, actor)
        try:
            with transaction.atomic():
                result = _write(plan)
                plan.place_files()
                if result.changed:
                    record_event(
                        REGISTRY_IMPORTED,
                        "imported "
                        + ", ".join(f"{n} {section}" for section, n in result.written.items() if n),
                        actor,
                        selection=document["selection"],
                        **result.written,
                    )
        except BaseException as error:
            plan.remove_placed()
            if isinstance(error, IntegrityError):  # written here meanwhile: the import is undone
                _refuse([f"the registry changed while importing ({error}); import again"], actor)
            raise
    finally:
        plan.discard_staged()
    return result


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _write(plan: ImportPlan) -> ImportResult:
    document = plan.document
    written = {"instruments": _write_instruments(plan), "collections": _write_collections(plan)}
    collections = dict(Collection.objects.filter(name__in=plan.kinds).values_list("name", "pk"))
    executions, products = plan.new("executions"), plan.new("products")
    execution_pk = {**plan.executions_here, **plan.producers_here}
    execution_pk.update(
        zip([r["uuid"] for r in executions], allocate(Execution, len(executions)), strict=True)
    )
    product_pk = {**plan.products_here, **plan.referred_here}
    product_pk.update(zip([r["uuid"] for r in products], allocate(Product, len(products)), strict=True))
    insert_rows(Execution, [_execution_row(r, execution_pk) for r in executions])
    instruments = dict(Instrument.objects.values_list("name", "pk"))
    insert_rows(
        Product, [_product_row(r, collections, instruments, product_pk, execution_pk) for r in products]
    )
    insert_rows(
        Consumes,
        [
            {"execution_id": execution_pk[r["uuid"]], "product_id": product_pk[u]}
            for r in executions
            for u in r["inputs"]
        ],
    )
    written.update(executions=len(executions), products=len(products))
    written["tags"] = _write_tags(document["tags"], collections, product_pk)
    tag_changes = plan.new("tag_changes")
    insert_rows(TagChange, [_tag_change_row(r, collections, product_pk) for r in tag_changes])
    written["tag_changes"] = len(tag_changes)
    events = plan.new("events")
    insert_rows(LedgerEvent, _event_rows(events, product_pk, execution_pk))
    written["events"] = len(events)
    return ImportResult(written)


def _write_instruments(plan: ImportPlan) -> int:
    new = [r for r in plan.document["instruments"] if r["name"] not in plan.instruments_here]
    for record in new:
        Instrument(
            name=record["name"],
            full_name=record["full_name"],
            observatory=record["observatory"],
            dimensions=record["dimensions"],
            description=record["description"],
            site=record["site"],
        ).save()
    return len(new)


def _write_collections(plan: ImportPlan) -> int:
    new = [r for r in plan.document["collections"] if r["name"] not in plan.collections_here]
    made = {
        r["name"]: Collection.objects.create(
            name=r["name"],
            kind=r["kind"],
            description=r["description"],
            uuid=uuid.UUID(r["uuid"]),
            site=r["site"],
            host=r["host"],
            began_at=_time(r["began_at"]),
            ended_at=_time(r["ended_at"]),
            software=r["software"],
            expires_at=_time(r["expires_at"]),
            created_at=_time(r["created_at"]),
        )
        for r in new
    }
    chains = {r["name"]: r["children"] for r in new if r["kind"] == Collection.Kind.CHAINED}
    names = {child for children in chains.values() for child in children}
    pks = dict(Collection.objects.filter(name__in=names).values_list("name", "pk"))
    CollectionChild.objects.bulk_create(
        CollectionChild(parent=made[name], child_id=pks[child], position=n)
        for name, children in chains.items()
        for n, child in enumerate(children)
    )
    return len(new)


def _write_tags(records: list[dict], collections: dict[str, int], product_pk: dict[str, int]) -> int:
    members = {(collections[r["collection"]], product_pk[r["product"]]): r for r in records}
    here = set(
        TagMembership.objects.filter(collection_id__in={c for c, _ in members}).values_list(
            "collection_id", "product_id"
        )
    )
    new = {key: r for key, r in members.items() if key not in here}
    identity = dict(
        (pk, (product_type, key))
        for pk, product_type, key in Product.objects.filter(pk__in={p for _, p in new}).values_list(
            "pk", "product_type", "data_key"
        )
    )
    insert_rows(
        TagMembership,
        [
            {
                "collection_id": collection,
                "product_id": product,
                "product_type": identity[product][0],
                "data_key": identity[product][1],
                "added_at": _time(record["added_at"]),
            }
            for (collection, product), record in new.items()
        ],
    )
    return len(new)


def allocate(model, count: int) -> list[int]:
    """``count`` new primary keys of ``model``, taken now so that rows can refer to each other
    before they are written (COPY on PostgreSQL)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: one writer, inside this transaction; AUTOINCREMENT never gives an id twice.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(start, row[0] if row else 0)
    return list(range(start + 1, start + 1 + count))


def _execution_row(record: dict, execution_pk: dict[str, int]) -> dict:
    return {
        "id": execution_pk[record["uuid"]],
        "uuid": record["uuid"],
        "site": record["site"],
        "task_name": record["task_name"],
        "task_id": record["task_id"],
        "parameters": record["parameters"],
        "subject_type_id": None,
        "subject_id": "",
        "software": record["software"],
        "host": record["host"],
        "pid": record["pid"],
        "worker": record["worker"],
        "heartbeat_at": None,
        "writing": [],
        "started_at": _time(record["started_at"]),
        "finished_at": _time(record["finished_at"]),
        "status": record["status"],
        "error": record["error"],
        "log_tail": record["log_tail"],
        "log_file": "",  # its whole log stays at the site it ran at; the tail came with it
    }


def _product_row(record, collections, instruments, product_pk, execution_pk) -> dict:
    return {
        "id": product_pk[record["uuid"]],
        "uuid": record["uuid"],
        "site": record["site"],
        "collection_id": collections[record["run"]],
        "path": record["path"],
        "product_type": record["product_type"],
        "size": record["size"],
        "sha256": record["sha256"],
        "produced_by_id": execution_pk[record["produced_by"]] if record["produced_by"] else None,
        "metadata": record["metadata"],
        "status": record["status"],
        "created_at": _time(record["created_at"]),
        "purged_at": _time(record["purged_at"]),
        "purge_reason": record["purge_reason"],
        "instrument_id": instruments[record["instrument"]] if record["instrument"] else None,
        "data_id": record["data_id"],
        "data_key": record["data_key"],
        "version": record["version"],
        "current": record["current"],
        "replaces_id": product_pk[record["replaces"]] if record["replaces"] else None,
    }


def _tag_change_row(record, collections, product_pk) -> dict:
    return {
        "uuid": uuid.UUID(record["uuid"]),
        "site": record["site"],
        "collection_id": collections[record["collection"]],
        "product_id": product_pk[record["product"]],
        "action": record["action"],
        "at": _time(record["at"]),
        "actor": record["actor"],
        "reason": record["reason"],
    }


def _event_rows(records: list[dict], product_pk, execution_pk) -> list[dict]:
    models = {kind: model for model, kind in SUBJECT_KINDS.items()}
    types = ContentType.objects.get_for_models(*models.values())
    subjects = {kind: {r["subject"] for r in records if r["subject_kind"] == kind} for kind in models}
    local = {
        "product": product_pk,
        "execution": execution_pk,
        "collection": {
            str(u): pk
            for u, pk in Collection.objects.filter(uuid__in=subjects["collection"]).values_list("uuid", "pk")
        },
        "instrument": {
            str(u): pk
            for u, pk in Instrument.objects.filter(uuid__in=subjects["instrument"]).values_list("uuid", "pk")
        },
    }
    return [
        {
            "uuid": uuid.UUID(r["uuid"]),
            "site": r["site"],
            "at": _time(r["at"]),
            "kind": r["kind"],
            "subject_type_id": types[models[r["subject_kind"]]].pk if r["subject_kind"] else None,
            "subject_id": str(local[r["subject_kind"]][r["subject"]]) if r["subject_kind"] else "",
            "actor": r["actor"],
            "message": r["message"],
            "details": r["details"],
        }
        for r in records
    ]
