"""Export of the registry, or of some collections, as a deterministic, versioned document
(registry_format), with the files in a tarball if asked (seeds/001: "export and import").

A collection's export holds its records and everything they need to mean the same elsewhere: a
RUN's products (every version, purged ones too), a TAGGED collection's members and history, a
CHAINED collection's children; then, for every product, its producing Execution, that
Execution's inputs, and the version it replaces, recursively (so provenance reads the same at the
importing site); the RUN collections and instruments those products name; and the events about
any of these records."""

from __future__ import annotations

import hashlib
import io
import tarfile
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC
from pathlib import Path

from django.contrib.contenttypes.models import ContentType

from l2portal.files import atomic_output

from .. import registry_format
from ..bulk import chunks
from ..models import Collection, Execution, Instrument, LedgerEvent, Product, TagChange, TagMembership
from ..roles import OPERATOR
from .actors import Actor
from .collections import chain_links, collection_named
from .products import EXPORT_TYPE, data_root, product_path, write_product
from .refusing import require_role

# Events made before events had global ids are named by their site and number.
LEGACY_EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "l2portal:event")
SUBJECT_KINDS = {
    Instrument: "instrument",
    Collection: "collection",
    Product: "product",
    Execution: "execution",
}
PRODUCT_FIELDS = (
    "pk",
    "uuid",
    "site",
    "collection__name",
    "path",
    "product_type",
    "size",
    "sha256",
    "status",
    "created_at",
    "purged_at",
    "purge_reason",
    "metadata",
    "instrument__name",
    "data_id",
    "data_key",
    "version",
    "current",
    "replaces__uuid",
    "produced_by__uuid",
)
EXECUTION_FIELDS = (
    "pk",
    "uuid",
    "site",
    "task_name",
    "task_id",
    "parameters",
    "software",
    "host",
    "pid",
    "worker",
    "status",
    "started_at",
    "finished_at",
    "error",
    "log_tail",
)


def when(value) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def registry_document(
    names: Sequence[str] | None, actor: Actor, *, leave_out_types: Iterable[str] = ()
) -> dict:
    """The export document of the collections ``names`` (every collection when None)."""
    chosen = (
        [collection_named(name, actor) for name in names]
        if names is not None
        else list(Collection.objects.all())
    )
    below = {child for _, child, _ in chain_links(c.pk for c in chosen if c.kind == Collection.Kind.CHAINED)}
    selected = {c.pk: c for c in chosen} | Collection.objects.in_bulk(below)
    runs = [pk for pk, c in selected.items() if c.kind == Collection.Kind.RUN]
    tags = [pk for pk, c in selected.items() if c.kind == Collection.Kind.TAGGED]
    seeds = set(
        Product.objects.filter(collection_id__in=runs)
        .exclude(product_type__in=leave_out_types)
        .values_list("pk", flat=True)
    )
    seeds |= set(TagMembership.objects.filter(collection_id__in=tags).values_list("product_id", flat=True))
    product_pks, execution_pks = _with_provenance(seeds)
    products = product_records(product_pks)
    collections = Collection.objects.in_bulk(set(selected) | _collections_of(product_pks))
    children = _children(collections)
    named = {record["instrument"] for record in products if record["instrument"]}
    instruments = Instrument.objects.filter(name__in=named).order_by("name")
    document = {
        "format": registry_format.FORMAT,
        "version": registry_format.version_text(),
        "selection": sorted(names) if names is not None else None,
        "instruments": [_instrument(i) for i in instruments],
        "collections": sorted(
            (_collection(c, children) for c in collections.values()), key=lambda r: r["name"]
        ),
        "products": sorted(products, key=lambda r: (r["path"], r["uuid"])),
        "executions": sorted(execution_records(execution_pks), key=lambda r: r["uuid"]),
        "tags": _tags(tags),
        "tag_changes": _tag_changes(tags),
        "events": _events(
            {
                Instrument: [i.pk for i in instruments],
                Collection: list(collections),
                Product: list(product_pks),
                Execution: list(execution_pks),
            }
        ),
    }
    return document


def _with_provenance(products: set[int]) -> tuple[set[int], set[int]]:
    """``products`` with every product their provenance reaches (inputs of their producers, the
    versions they replace, recursively), and the producing executions."""
    product_pks, execution_pks = set(products), set()
    frontier = set(products)
    while frontier:
        found_executions, found_products = set(), set()
        for part in chunks(sorted(frontier)):
            for producer, replaced in Product.objects.filter(pk__in=part).values_list(
                "produced_by_id", "replaces_id"
            ):
                if producer is not None:
                    found_executions.add(producer)
                if replaced is not None:
                    found_products.add(replaced)
        new_executions = found_executions - execution_pks
        execution_pks |= new_executions
        for part in chunks(sorted(new_executions)):
            found_products.update(
                Execution.inputs.through.objects.filter(execution_id__in=part).values_list(
                    "product_id", flat=True
                )
            )
        frontier = found_products - product_pks
        product_pks |= frontier
    return product_pks, execution_pks


def product_records(pks: Iterable[int]) -> list[dict]:
    """Export records of the products ``pks``."""
    return [
        _product(row)
        for part in chunks(sorted(pks))
        for row in Product.objects.filter(pk__in=part).values(*PRODUCT_FIELDS)
    ]


def execution_records(pks: Iterable[int]) -> list[dict]:
    """Export records of the executions ``pks``, each with its inputs' UUIDs."""
    records = []
    for part in chunks(sorted(pks)):
        inputs: dict[int, list[str]] = {}
        for execution, product in Execution.inputs.through.objects.filter(execution_id__in=part).values_list(
            "execution_id", "product__uuid"
        ):
            inputs.setdefault(execution, []).append(str(product))
        records.extend(
            _execution(row, sorted(inputs.get(row["pk"], ())))
            for row in Execution.objects.filter(pk__in=part).values(*EXECUTION_FIELDS)
        )
    return records


def _collections_of(product_pks: set[int]) -> set[int]:
    return {
        pk
        for part in chunks(sorted(product_pks))
        for pk in Product.objects.filter(pk__in=part).values_list("collection_id", flat=True).distinct()
    }


def _children(collections: dict[int, Collection]) -> dict[int, list[str]]:
    chains = [pk for pk, c in collections.items() if c.kind == Collection.Kind.CHAINED]
    links = Collection.children.through.objects.filter(parent_id__in=chains).order_by("parent_id", "position")
    children: dict[int, list[str]] = {}
    for parent, name in links.values_list("parent_id", "child__name"):
        children.setdefault(parent, []).append(name)
    return children


def _instrument(instrument: Instrument) -> dict:
    return {
        "name": instrument.name,
        "full_name": instrument.full_name,
        "observatory": instrument.observatory,
        "dimensions": instrument.dimensions,
        "description": instrument.description,
        "uuid": str(instrument.uuid),
        "site": instrument.site,
    }


def _collection(collection: Collection, children: dict[int, list[str]]) -> dict:
    return {
        "name": collection.name,
        "kind": collection.kind,
        "description": collection.description,
        "children": children.get(collection.pk, []),
        "uuid": str(collection.uuid),
        "site": collection.site,
        "host": collection.host,
        "began_at": when(collection.began_at),
        "ended_at": when(collection.ended_at),
        "software": collection.software,
        "expires_at": when(collection.expires_at),
        "created_at": when(collection.created_at),
    }


def _product(row: dict) -> dict:
    return {
        "uuid": str(row["uuid"]),
        "site": row["site"],
        "run": row["collection__name"],
        "path": row["path"],
        "product_type": row["product_type"],
        "size": row["size"],
        "sha256": row["sha256"],
        "status": row["status"],
        "created_at": when(row["created_at"]),
        "purged_at": when(row["purged_at"]),
        "purge_reason": row["purge_reason"],
        "metadata": row["metadata"],
        "instrument": row["instrument__name"],
        "data_id": row["data_id"],
        "data_key": row["data_key"],
        "version": row["version"],
        "current": row["current"],
        "replaces": str(row["replaces__uuid"]) if row["replaces__uuid"] else None,
        "produced_by": str(row["produced_by__uuid"]) if row["produced_by__uuid"] else None,
    }


def _execution(row: dict, inputs: list[str]) -> dict:
    record = {name: row[name] for name in EXECUTION_FIELDS if name != "pk"}
    record.update(
        uuid=str(row["uuid"]),
        started_at=when(row["started_at"]),
        finished_at=when(row["finished_at"]),
        inputs=inputs,
    )
    return record


def _tags(tags: list[int]) -> list[dict]:
    members = TagMembership.objects.filter(collection_id__in=tags).values_list(
        "collection__name", "product__uuid", "added_at"
    )
    return sorted(
        (
            {"collection": name, "product": str(product), "added_at": when(at)}
            for name, product, at in members
        ),
        key=lambda r: (r["collection"], r["product"]),
    )


def _tag_changes(tags: list[int]) -> list[dict]:
    changes = TagChange.objects.filter(collection_id__in=tags).values_list(
        "uuid", "site", "collection__name", "product__uuid", "action", "at", "actor", "reason"
    )
    records = [
        {
            "uuid": str(change_uuid),
            "site": site,
            "collection": collection,
            "product": str(product),
            "action": action,
            "at": when(at),
            "actor": actor,
            "reason": reason,
        }
        for change_uuid, site, collection, product, action, at, actor, reason in changes
    ]
    return sorted(records, key=lambda r: (r["at"], r["uuid"]))


def _events(subjects: dict[type, list[int]]) -> list[dict]:
    """The events whose subject is one of the exported records."""
    records = []
    types = ContentType.objects.get_for_models(*subjects)
    for model, pks in subjects.items():
        for part in chunks(sorted(pks)):
            names = dict(model.objects.filter(pk__in=part).values_list("pk", "uuid"))
            events = LedgerEvent.objects.filter(
                subject_type=types[model], subject_id__in=[str(pk) for pk in part]
            )
            for event in events.values(
                "pk", "uuid", "site", "at", "kind", "subject_id", "actor", "message", "details"
            ):
                records.append(
                    {
                        "uuid": str(
                            event["uuid"]
                            or uuid.uuid5(LEGACY_EVENT_NAMESPACE, f"{event['site']}/{event['pk']}")
                        ),
                        "site": event["site"],
                        "at": when(event["at"]),
                        "kind": event["kind"],
                        "subject_kind": SUBJECT_KINDS[model],
                        "subject": str(names[int(event["subject_id"])]),
                        "actor": event["actor"],
                        "message": event["message"],
                        "details": event["details"],
                    }
                )
    return sorted(records, key=lambda r: (r["at"], r["uuid"]))


def export_registry(
    names: Sequence[str] | None, output: Path, actor: Actor, *, with_files: bool = False
) -> dict:
    """Write the export of ``names`` (every collection when None) to ``output``: the document, or
    with ``with_files`` a tarball of the document and the present products' files. Returns the
    document."""
    require_role(actor, OPERATOR, to="export the registry")
    document = registry_document(names, actor)
    body = registry_format.dumps(document)
    with atomic_output(output, overwrite=True) as tmp:
        if with_files:
            _write_tarball(tmp, body, [p["path"] for p in document["products"] if p["status"] == "present"])
        else:
            tmp.write_bytes(body)
    return document


def _write_tarball(target: Path, body: bytes, paths: list[str]) -> None:
    """The document first, then the files in path order; no owner or time of this machine."""
    root = data_root()
    with tarfile.open(target, "w") as archive:
        info = tarfile.TarInfo(registry_format.DOCUMENT_NAME)
        info.size, info.mode = len(body), 0o644
        archive.addfile(info, io.BytesIO(body))
        for relative in sorted(paths):
            path = root / relative
            info = tarfile.TarInfo(registry_format.FILES_FOLDER + relative)
            info.size, info.mode = path.stat().st_size, 0o644
            with path.open("rb") as handle:
                archive.addfile(info, handle)


def export_document(collection: Collection) -> dict:
    """The export document of one collection, its own export files left out."""
    return registry_document([collection.name], Actor.system("export"), leave_out_types=(EXPORT_TYPE,))


def export_collection(collection: Collection) -> Product:
    """Write a collection's export document as a product named by its content: the same collection
    exports to the same file, a changed one to a new file."""
    document = export_document(collection)
    body = registry_format.dumps(document)
    digest = hashlib.sha256(body).hexdigest()[:12]
    relative = product_path(collection, "exports", f"{collection.name}_export_{digest}.json")
    return write_product(
        collection,
        relative,
        EXPORT_TYPE,
        lambda tmp: tmp.write_bytes(body),
        metadata={"products": len(document["products"]), "format": document["version"]},
    )
