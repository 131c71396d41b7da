"""Observing-program operations: scan the metadata store, group and qualify, preprocess, claim,
upload inversions and publish. The only place where programs change state or tasks start."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import re
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import IO

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.utils import timezone

from l2portal.files import sha256_file
from l2portal.ledger.execution import recording
from l2portal.ledger.models import Product
from l2portal.ledger.roles import OPERATOR, SCIENTIST, has_role
from l2portal.ledger.services import (
    Actor,
    absolute_path,
    enqueue,
    fail,
    get_run_collection,
    product_path,
    record_event,
    transition,
    transition_many,
    write_product,
)
from l2portal.ledger.services import retry as ledger_retry
from l2portal.ledger.states import TransitionNotAllowed

from . import conf
from .grouping import ObservingProgram as ProgramGroup
from .grouping import group_programs
from .inversion import InversionFileError, InversionFiles, level2_frame_name, validate_inversion_files
from .metadata import (
    DatasetInventory,
    MetadataClient,
    MetadataError,
    MetadataResponseError,
    parse_dataset_inventory,
)
from .metadata_server import load_response_files
from .models import (
    INVENTORY_COLUMNS,
    Dataset,
    Inversion,
    ObservingProgram,
    QualificationRuleSet,
    Scan,
)
from .preprocess import (
    Progress,
    TransferError,
    TransferItem,
    build_inversion_manifest,
    fetch_files,
)
from .qualify import Qualification, QualificationRules, qualify_programs

log = logging.getLogger(__name__)

CHUNK = 2000
MANIFEST_COLLECTION = "L2PRE"
UPLOAD_COLLECTION = "L2INV"
CHECKSUM_LISTING = "SHA256SUMS"
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
INVERSION_FILE_KINDS = ("quantities", "fit_profiles", "original_profiles")


class ActionRefused(Exception):
    """The action does not fit the program's state; nothing changed (recorded as an event)."""


class NotPermitted(ActionRefused):
    """The user's role or ownership does not allow the action (recorded as an event)."""


def _refuse(program, actor: Actor, kind: str, message: str, error=ActionRefused, **details):
    record_event(kind, message, actor, subject=program, **details)
    raise error(message)


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Bulk transitions ---------------------------------------------------------------------------


# --- Scan ---------------------------------------------------------------------------------------


def fingerprint(record: Mapping) -> str:
    """A digest of a raw store record as received, to tell an update from a rescan without
    parsing it (an unchanged record parsed fine when it was stored). Pickle protocol 5 is fixed
    and fast; a store that reorders a record's keys makes it look updated once, harmlessly."""
    return hashlib.blake2b(pickle.dumps(record, protocol=5), digest_size=16).hexdigest()


JSON_DATASET_COLUMNS = (
    "spectral_lines",
    "bounding_box",
    "health",
    "gos_status",
    "light_level",
    "fried_parameter",
)


def dataset_columns(dataset: DatasetInventory) -> dict:
    values = {name: getattr(dataset, name) for name in INVENTORY_COLUMNS}
    box = dataset.bounding_box
    values.update(
        spectral_lines=list(dataset.spectral_lines) if dataset.spectral_lines is not None else None,
        bounding_box=None if box is None else [box.x1, box.y1, box.x2, box.y2],
        health=dict(vars(dataset.health)),
        gos_status=dict(vars(dataset.gos_status)),
        light_level=None if dataset.light_level is None else dict(vars(dataset.light_level)),
        fried_parameter=None if dataset.fried_parameter is None else dict(vars(dataset.fried_parameter)),
    )
    return values


DATASET_UPDATE_FIELDS = [
    *INVENTORY_COLUMNS,
    *JSON_DATASET_COLUMNS,
    "program_id",
    "superseded",
    "fingerprint",
    "changed_at",
]


class ScanFailed(Exception):
    def __init__(self, scan: Scan):
        self.scan = scan
        super().__init__("; ".join(scan.errors))


def scan_store(
    actor: Actor, *, url: str | None = None, proposal_id: str | None = None, page_size: int | None = None
) -> Scan:
    """Fetch every dataset (of one proposal, if given) from the metadata store and import it.

    Nothing is written before the whole answer has arrived and the new and changed records have
    parsed: a failed or malformed answer leaves the data as it was and is recorded on the Scan
    (raises ScanFailed).
    """
    url = url or conf.metadata_store_url()
    if not url:
        raise ScanFailed(
            _failed_scan(Scan(source="(none)", actor=actor.label), "METADATA_STORE_URL is not set", actor)
        )
    scan = Scan.objects.create(source=url, proposal_id=proposal_id or "", actor=actor.label)
    filters = {"primaryProposalIds": [proposal_id]} if proposal_id else None
    pages = pages_in_flight(url, page_size or conf.page_size(), filters)
    return _import_or_fail(pages, scan, actor, whole_store=not proposal_id)


def request_scan(proposal_id: str | None = None) -> None:
    """Start a scan on the workers: of one proposal, or of the whole store."""
    if proposal_id:
        enqueue("l2portal.programs.tasks.scan_proposal", proposal_id)
    else:
        enqueue("l2portal.programs.tasks.scan_metadata_store")


def scan_files(paths: Sequence[str | Path], actor: Actor) -> Scan:
    """Import offline GraphQL response files; all of them parse, or nothing is imported."""
    scan = Scan.objects.create(source=", ".join(str(p) for p in paths)[:1024], actor=actor.label)

    def pages():
        for path in paths:
            try:
                yield load_response_files([path])
            except (ValueError, OSError) as error:  # JSON and GraphQL errors are ValueErrors too
                raise MetadataResponseError(f"{path}: {error}") from None

    return _import_or_fail(pages(), scan, actor)


def _import_or_fail(pages: Iterable[list], scan: Scan, actor: Actor, whole_store: bool = False) -> Scan:
    try:
        return import_records(pages, scan, actor, whole_store=whole_store)
    except MetadataError as error:
        raise ScanFailed(_failed_scan(scan, str(error), actor)) from None


def _failed_scan(scan: Scan, error: str, actor: Actor) -> Scan:
    scan.status, scan.errors, scan.finished_at = Scan.Status.FAILED, [error], timezone.now()
    scan.save()
    record_event("scan_failed", f"scan of {scan.source} failed: {error}", actor, subject=scan)
    return scan


def pages_in_flight(
    url: str, page_size: int, filters: Mapping | None = None, in_flight: int = 3
) -> Iterator[list]:
    """The store's raw pages in order, keeping ``in_flight`` requests going (one connection per
    thread): the store prepares the next pages while this process handles the current one."""
    local = threading.local()

    def fetch(number: int) -> list:
        if not hasattr(local, "client"):
            local.client = MetadataClient(url, page_size=page_size)
        return local.client.fetch_raw_inventory_page(number, filters)

    with ThreadPoolExecutor(in_flight, thread_name_prefix="metadata-page") as pool:
        pending = deque(pool.submit(fetch, number) for number in range(1, in_flight + 1))
        next_number = in_flight + 1
        while pending:
            page = pending.popleft().result()
            yield page
            if len(page) < page_size:
                for future in pending:
                    future.cancel()
                return
            pending.append(pool.submit(fetch, next_number))
            next_number += 1


# What a scan reads of the stored datasets, as plain rows (a rescan reads ~100,000 of them).
KNOWN_COLUMNS = ("dataset_id", "pk", "fingerprint", "program_id", "superseded")
_PK, _FINGERPRINT, _PROGRAM, _SUPERSEDED = 1, 2, 3, 4


def import_records(
    pages: Iterable[list], scan: Scan, actor: Actor, now: datetime | None = None, whole_store: bool = False
) -> Scan:
    """Upsert raw datasetInventories records (new, updated or unchanged), regroup the OPs they
    touch, then qualify the OPs whose settle period is over. Unchanged records are neither parsed
    nor written. Raises MetadataResponseError, before any write, if a new or changed record is
    malformed. ``whole_store``: the pages hold every dataset, so what is known is read in one go."""
    now = now or timezone.now()
    by_id: dict[str, Mapping] = {}
    prints: dict[str, str] = {}
    known: dict[str, tuple] = {}
    if whole_store:
        known.update((row[0], row) for row in Dataset.objects.values_list(*KNOWN_COLUMNS))
    parsed: dict[str, DatasetInventory] = {}
    seen = 0
    for page in pages:
        ids = []
        for record in page:
            dataset_id = record.get("datasetId") if isinstance(record, Mapping) else None
            if not isinstance(dataset_id, str) or not dataset_id:
                parse_dataset_inventory(record, seen)  # raises, naming the problem
            by_id[dataset_id] = record
            prints[dataset_id] = fingerprint(record)
            ids.append(dataset_id)
        for chunk in _chunks([] if whole_store else ids):
            rows = Dataset.objects.filter(dataset_id__in=chunk).values_list(*KNOWN_COLUMNS)
            known.update((row[0], row) for row in rows)
        # Parse what is new or changed now, while the next pages are on their way.
        for index, dataset_id in enumerate(ids, start=seen):
            stored = known.get(dataset_id)
            if stored is None or stored[_FINGERPRINT] != prints[dataset_id]:
                parsed[dataset_id] = parse_dataset_inventory(by_id[dataset_id], index)
            else:
                parsed.pop(dataset_id, None)  # met again, as stored, on a later page
        seen += len(ids)
    new = [dataset_id for dataset_id in parsed if dataset_id not in known]
    updated = [dataset_id for dataset_id in parsed if dataset_id in known]

    grouped: dict[str, ProgramGroup] = {}
    if parsed:
        with transaction.atomic():
            grouped = _write_changes(by_id, parsed, prints, known, new, updated, now)
    scan.datasets_seen = len(by_id)
    scan.new, scan.updated = len(new), len(updated)
    scan.unchanged = len(by_id) - len(new) - len(updated)
    scan.programs_touched = len(grouped)
    scan.programs_qualified = qualify_ready_programs(actor, now=now, grouped=grouped)
    scan.status, scan.finished_at = Scan.Status.SUCCEEDED, timezone.now()
    scan.save()
    return scan


def _write_changes(by_id, parsed, prints, known, new, updated, now) -> dict[str, ProgramGroup]:
    settle = conf.settle_period()
    affected = {d.observing_program_execution_id for d in parsed.values()}
    # A dataset moved to another program leaves its old program to regroup too.
    old_program_pks = sorted({known[i][_PROGRAM] for i in updated})
    for chunk in _chunks(old_program_pks):
        affected.update(ObservingProgram.objects.filter(pk__in=chunk).values_list("execution_id", flat=True))
    program_pks = _program_pks(affected)

    # Every member of the touched programs: what the scan brought, plus what only the database has.
    members = [
        parsed.get(dataset_id) or parse_dataset_inventory(record)
        for dataset_id, record in by_id.items()
        if record.get("observingProgramExecutionId") in affected
    ]
    stored_flags: dict[str, bool] = {i: row[_SUPERSEDED] for i, row in known.items()}
    for chunk in _chunks(list(program_pks.values())):
        for stored in Dataset.objects.filter(program_id__in=chunk).iterator():
            stored_flags[stored.dataset_id] = stored.superseded
            if stored.dataset_id not in by_id:
                members.append(stored.to_inventory())
    grouped = group_programs(members)

    def summary(eid: str) -> dict:
        group = grouped.get(eid)
        current = group.datasets if group else ()
        last_changed = group.last_changed if group else None
        return {
            "proposal_id": (group.proposal_id if group else None) or "",
            "experiment_id": next((d.primary_experiment_id for d in current if d.primary_experiment_id), ""),
            "instruments": list(group.instruments) if group else [],
            "instrument_program_ids": sorted(
                {d.instrument_program_execution_id for d in current if d.instrument_program_execution_id}
            ),
            "dataset_count": len(current),
            "last_changed": last_changed,
            "ready_at": (last_changed or now) + settle,
            "needs_qualification": True,
        }

    fresh = [
        ObservingProgram(
            execution_id=eid,
            state=ObservingProgram.machine.initial,
            state_changed_at=now,
            created_at=now,
            **summary(eid),
        )
        for eid in sorted(affected - program_pks.keys())
    ]
    insert_rows(ObservingProgram, [field_values(program) for program in fresh])
    set_rows(ObservingProgram, {pk: summary(eid) for eid, pk in program_pks.items()})
    program_pks = _program_pks(affected)

    superseded = {d.dataset_id for group in grouped.values() for d in group.superseded}

    def row(dataset_id: str) -> dict:
        dataset = parsed[dataset_id]
        return {
            "dataset_id": dataset_id,
            "program_id": program_pks[dataset.observing_program_execution_id],
            "superseded": dataset_id in superseded,
            "fingerprint": prints[dataset_id],
            "first_seen_at": now,
            "changed_at": now,
            **dataset_columns(dataset),
        }

    insert_rows(Dataset, [row(i) for i in new])
    set_rows(
        Dataset,
        {known[i][_PK]: {f: v for f, v in row(i).items() if f in DATASET_UPDATE_FIELDS} for i in updated},
    )
    # Unchanged members whose superseded flag flips because another reprocessing came or went.
    changed = set(parsed)
    flips: dict[bool, list[str]] = {True: [], False: []}
    for group in grouped.values():
        for dataset in (*group.datasets, *group.superseded):
            dataset_id = dataset.dataset_id
            flag = dataset_id in superseded
            if dataset_id not in changed and stored_flags.get(dataset_id) != flag:
                flips[flag].append(dataset_id)
    for flag, ids in flips.items():
        for chunk in _chunks(ids):
            Dataset.objects.filter(dataset_id__in=chunk).update(superseded=flag)
    return grouped


def _program_pks(execution_ids: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(execution_ids)):
        rows = ObservingProgram.objects.filter(execution_id__in=chunk).values_list("execution_id", "pk")
        found.update(rows)
    return found


# --- Bulk writes --------------------------------------------------------------------------------
# A first scan writes ~100,000 datasets and ~10,000 programs. The ORM's bulk_update (one CASE per
# field) and bulk_create are too slow at that size on PostgreSQL, so there the rows go in with
# COPY and change with one UPDATE ... FROM unnest(...) per chunk; other databases use the ORM.


def insert_rows(model: type[Model], rows: Sequence[Mapping]) -> None:
    """Insert rows given as {attname: value}; all rows have the same keys."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create((model(**row) for row in rows), batch_size=CHUNK)
        return
    fields = [model._meta.get_field(name) for name in rows[0]]
    _copy(model._meta.db_table, fields, ([row[field.attname] for field in fields] for row in rows))


def field_values(obj: Model) -> dict:
    """An unsaved object as {attname: value} for insert_rows, every column but the primary key."""
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if not field.primary_key
    }


def set_rows(model: type[Model], values_by_pk: Mapping[int, Mapping]) -> None:
    """Set fields of many rows, ``{pk: {attname: value}}``; all rows set the same fields."""
    if not values_by_pk:
        return
    names = list(next(iter(values_by_pk.values())))
    if connection.vendor != "postgresql":
        objects = [model(pk=pk, **values) for pk, values in values_by_pk.items()]
        model.objects.bulk_update(objects, names, batch_size=500)
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table, staging = quote(model._meta.db_table), "programs_set_rows"
    columns = ", ".join(f"{quote(field.column)} {field.db_type(connection)}" for field in fields)
    assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} (id bigint, {columns}) ON COMMIT DROP")
        id_field = model._meta.pk
        rows = ([pk, *(values[name] for name in names)] for pk, values in values_by_pk.items())
        _copy(staging, [id_field, *fields], rows, column_names=["id", *(f.column for f in fields)])
        cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {staging} AS s WHERE t.id = s.id")
        cursor.execute(f"DROP TABLE {staging}")


_JSON_TEXT = json.JSONEncoder(separators=(",", ":")).encode


def _copy(table: str, fields, rows: Iterable[list], column_names: Sequence[str] | None = None) -> None:
    """PostgreSQL COPY of ``rows`` (values in ``fields`` order) into ``table``. JSON values go as
    text, encoded here in one call each (psycopg's Jsonb wrapper costs three times as much)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in (column_names or [field.column for field in fields]))
    json_positions = [n for n, field in enumerate(fields) if isinstance(field, JSONField)]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            for n in json_positions:
                if row[n] is not None:
                    row[n] = _JSON_TEXT(row[n])
            copy.write_row(row)


# --- Qualify ------------------------------------------------------------------------------------


def current_rules() -> tuple[QualificationRules, str]:
    """The rules in force: the newest QualificationRuleSet row, else the settings' rules."""
    row = QualificationRuleSet.objects.first()
    if row is not None:
        return QualificationRules.from_dict(row.rules), f"rule set {row.pk}: {row.name}"
    return conf.default_qualification_rules(), "settings"


def _target_state(state: str, invertible: bool) -> str | None:
    if invertible and state in ("discovered", "not_invertible"):
        return "invertible"
    if not invertible and state in ("discovered", "invertible", "preprocessed"):
        return "not_invertible"
    return None


def _reason(qualification: Qualification) -> str:
    if qualification.invertible:
        return "qualified: " + (", ".join(qualification.lines) or "no lines")
    return "; ".join(check.detail or name for name, check in qualification.failed.items())


def qualify_ready_programs(
    actor: Actor, now: datetime | None = None, grouped: Mapping[str, ProgramGroup] | None = None
) -> int:
    """Qualify every program whose datasets changed and whose settle period is over; move it to
    Invertible or Not Invertible (re-qualification on change included). Returns how many."""
    now = now or timezone.now()
    rules, version = current_rules()
    ready = list(
        ObservingProgram.objects.filter(needs_qualification=True, ready_at__lte=now)
        .order_by("pk")
        .values_list("pk", "execution_id", "state")
    )
    for chunk in _chunks(ready):
        groups = _groups_of(chunk, grouped or {})
        results = qualify_programs(groups.values(), rules)
        updates, targets = {}, {"invertible": {}, "not_invertible": {}}
        for pk, eid, state in chunk:
            result = results.get(eid)
            if result is None:  # no dataset left at all
                result = Qualification(False, {}, [])
            updates[pk] = {
                "invertible": result.invertible,
                "qualification": result.to_dict(),
                "spectral_lines": list(result.lines),
                "qualified_at": now,
                "rules_version": version[:64],
                "needs_qualification": False,
            }
            target = _target_state(state, result.invertible)
            if target:
                targets[target][pk] = _reason(result)
            elif state == "preprocessed":
                # Still invertible but its datasets changed: fetch and describe them again.
                enqueue("l2portal.programs.tasks.preprocess_program", pk)
            elif state in ("working", "inverted", "error"):
                record_event(
                    "program_changed",
                    f"{eid}: datasets changed while {state}; re-qualified as "
                    f"{'invertible' if result.invertible else 'not invertible'}",
                    actor,
                    subject=ObservingProgram(pk=pk),
                )
        with transaction.atomic():
            set_rows(ObservingProgram, updates)
            for target, reasons in targets.items():
                if reasons:
                    transition_many(ObservingProgram, (), target, actor, reasons=reasons, rules=version)
    return len(ready)


def _groups_of(chunk, grouped: Mapping[str, ProgramGroup]) -> dict[str, ProgramGroup]:
    groups = {eid: grouped[eid] for _, eid, _ in chunk if eid in grouped}
    missing = [pk for pk, eid, _ in chunk if eid not in groups]
    if missing:
        rows = Dataset.objects.filter(program_id__in=missing)
        groups.update(group_programs(row.to_inventory() for row in rows.iterator()))
    return groups


def requalify(program: ObservingProgram, user) -> ObservingProgram:
    """Qualify one program now, settle period or not (operators, e.g. after changing the rules)."""
    actor = Actor.of_user(user)
    if not has_role(user, OPERATOR):
        _refuse(program, actor, "action_refused", "only operators re-qualify programs", NotPermitted)
    ObservingProgram.objects.filter(pk=program.pk).update(needs_qualification=True, ready_at=timezone.now())
    qualify_ready_programs(actor)
    program.refresh_from_db()
    return program


def retry_failed(program: ObservingProgram, user) -> ObservingProgram:
    """Operators send a program in Error back to the step that failed, which starts again."""
    actor = Actor.of_user(user)
    if not has_role(user, OPERATOR):
        _refuse(program, actor, "action_refused", "only operators retry", NotPermitted)
    try:
        ledger_retry(program, actor)
    except TransitionNotAllowed as error:
        raise ActionRefused(str(error)) from None  # the ledger recorded the refusal
    return program


# --- Preprocess ---------------------------------------------------------------------------------


def scratch_folder(program: ObservingProgram) -> Path:
    return conf.scratch_root() / program.execution_id


def request_preprocess(program: ObservingProgram, user) -> None:
    actor = Actor.of_user(user)
    if not has_role(user, OPERATOR):
        _refuse(program, actor, "action_refused", "only operators start preprocessing", NotPermitted)
    if program.state not in ("invertible", "preprocessed"):
        _refuse(
            program,
            actor,
            "action_refused",
            f"{program} is {program.state_label}; preprocess needs Invertible",
        )
    ObservingProgram.objects.filter(pk=program.pk).update(progress={"state": "queued"})
    enqueue("l2portal.programs.tasks.preprocess_program", program.pk)


def _transfer_items(program: ObservingProgram, backend, scratch: Path) -> list[TransferItem]:
    """One item per L1 frame of the program's current ViSP datasets, from each dataset's
    SHA256SUMS listing, fetched through the same backend as the frames."""
    rules, _ = current_rules()
    datasets = program.datasets.filter(superseded=False, instrument_name__iexact=rules.instrument)
    items = []
    scratch.mkdir(parents=True, exist_ok=True)
    for dataset_id in datasets.order_by("dataset_id").values_list("dataset_id", flat=True):
        # Ids come from the metadata store and become path components on both sides of the copy.
        if dataset_id in {".", ".."} or "/" in dataset_id or "\\" in dataset_id or "\x00" in dataset_id:
            raise TransferError(f"dataset id {dataset_id!r} cannot name a folder; refusing to fetch it")
        with tempfile.NamedTemporaryFile(dir=scratch, prefix=".listing.") as listing:
            backend.fetch(f"{dataset_id}/{CHECKSUM_LISTING}", Path(listing.name), lambda n: None)
            text = Path(listing.name).read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            digest, _, name = line.strip().partition("  ")
            if not re.fullmatch(r"[0-9a-fA-F]{64}", digest) or not name or "/" in name or name in {".", ".."}:
                raise TransferError(
                    f"{dataset_id}/{CHECKSUM_LISTING} line {number} is not '<sha256>  <file>'"
                )
            items.append(TransferItem(f"{dataset_id}/{name}", digest, f"{dataset_id}/{name}"))
    if not items:
        raise TransferError(f"{program} has no {rules.instrument} frames to fetch")
    return items


def run_preprocess(program_pk: int, actor: Actor) -> ObservingProgram:
    """Fetch the program's L1 frames into its scratch folder (skipping complete files), write the
    inversion-input manifest as a product, and move Invertible -> Preprocessed. Idempotent."""
    program = ObservingProgram.objects.get(pk=program_pk)
    if program.state not in ("invertible", "preprocessed"):
        log.info("%s is %s: nothing to preprocess", program, program.state)
        return program
    scratch = scratch_folder(program)
    rules, _ = current_rules()
    progress = {"state": "listing", "files_done": 0, "files_total": 0, "bytes_done": 0, "skipped": 0}
    last_saved = 0.0

    def save_progress(event: Progress | None = None) -> None:
        nonlocal last_saved
        if event is not None:
            progress.update(files_total=event.total, current=event.item.dest, state="fetching")
            if event.state in ("fetched", "skipped"):
                progress["files_done"] = event.index
                progress["bytes_done"] = progress.get("bytes_done", 0) + event.bytes_done
                progress["skipped"] += event.state == "skipped"
            elif time.monotonic() - last_saved < 1.0:
                return
        last_saved = time.monotonic()
        ObservingProgram.objects.filter(pk=program.pk).update(progress=dict(progress))

    try:
        save_progress()
        backend = conf.transfer_backend()
        items = _transfer_items(program, backend, scratch)
        report = fetch_files(items, scratch, backend, save_progress)
        manifest = build_inversion_manifest(
            program.execution_id, report.paths, scratch, rules.lines, rules.line_tolerance_nm
        )
    except (TransferError, OSError, ValueError) as error:
        progress["state"] = "failed"
        save_progress()
        fail(program, actor, f"preprocessing failed: {error}")
        return program
    product = _write_manifest(program, manifest, report)
    progress.update(state="done", current="")
    ObservingProgram.objects.filter(pk=program.pk).update(progress=dict(progress), manifest=product)
    if program.state == "invertible":
        transition(
            program,
            "preprocessed",
            actor,
            f"{len(report.paths)} frames ready "
            f"({len(report.fetched)} fetched, {len(report.skipped)} already there)",
            manifest=product.path,
        )
    return program


def _write_manifest(program: ObservingProgram, manifest: dict, report) -> Product:
    body = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    digest = hashlib.sha256(body).hexdigest()[:12]
    collection = get_run_collection(MANIFEST_COLLECTION, "inversion inputs of observing programs")
    relative = product_path(
        collection,
        program.execution_id,
        f"{MANIFEST_COLLECTION}_{program.execution_id}_manifest_{digest}.json",
    )
    return write_product(
        collection,
        relative,
        "inversion_manifest",
        lambda tmp: tmp.write_bytes(body),
        metadata={
            "program": program.execution_id,
            "frames": len(report.paths),
            "lines": sorted(manifest["lines"]),
            "scratch": str(scratch_folder(program)),
        },
    )


# --- Claim, release, reassign -------------------------------------------------------------------


def claim(program: ObservingProgram, user) -> ObservingProgram:
    """A scientist takes a preprocessed program: exactly one wins however many try at once (the
    conditional UPDATE locks the row; the others find an owner and are refused)."""
    actor = Actor.of_user(user)
    if not has_role(user, SCIENTIST):
        _refuse(program, actor, "action_refused", "only scientists claim programs", NotPermitted)
    with transaction.atomic():
        won = ObservingProgram.objects.filter(pk=program.pk, state="preprocessed", owner__isnull=True).update(
            owner=user
        )
        if won:
            transition(program, "working", actor, "claimed", owner=user.get_username())
    if not won:
        current = ObservingProgram.objects.select_related("owner").get(pk=program.pk)
        why = (
            f"already claimed by {current.owner.get_username()}"
            if current.owner_id
            else f"it is {current.state_label}, not Preprocessed"
        )
        _refuse(program, actor, "claim_refused", f"cannot claim {program}: {why}")
    program.owner = user
    return program


def release(program: ObservingProgram, user) -> ObservingProgram:
    actor = Actor.of_user(user)
    if program.owner_id != user.pk and not has_role(user, OPERATOR):
        _refuse(program, actor, "action_refused", "only the owner or an operator releases it", NotPermitted)
    with transaction.atomic():
        released = ObservingProgram.objects.filter(pk=program.pk, state="working").update(owner=None)
        if released:
            transition(program, "preprocessed", actor, "released")
    if not released:
        _refuse(program, actor, "action_refused", f"{program} is {program.state_label}, not Working")
    program.owner = None
    return program


def reassign(program: ObservingProgram, username: str, user) -> ObservingProgram:
    """Operators give a preprocessed or working program to a scientist."""
    actor = Actor.of_user(user)
    if not has_role(user, OPERATOR):
        _refuse(program, actor, "action_refused", "only operators reassign programs", NotPermitted)
    new_owner = get_user_model().objects.filter(username=username).first()
    if new_owner is None or not has_role(new_owner, SCIENTIST):
        _refuse(program, actor, "action_refused", f"{username!r} is not a scientist")
    with transaction.atomic():
        current = ObservingProgram.objects.select_for_update().get(pk=program.pk)
        if current.state not in ("preprocessed", "working"):
            moved = None
        else:
            ObservingProgram.objects.filter(pk=program.pk).update(owner=new_owner)
            moved = current.state
            if current.state == "preprocessed":
                transition(program, "working", actor, f"assigned to {username}", owner=username)
            else:
                record_event(
                    "program_reassigned",
                    f"{program} reassigned to {username}",
                    actor,
                    subject=program,
                    previous_owner_id=current.owner_id,
                )
    if moved is None:
        _refuse(program, actor, "action_refused", f"{program} is {current.state_label}; nothing to assign")
    program.owner = new_owner
    return program


def set_priority(program: ObservingProgram, priority: int, user) -> ObservingProgram:
    if not has_role(user, OPERATOR):
        _refuse(program, Actor.of_user(user), "action_refused", "only operators set priorities", NotPermitted)
    ObservingProgram.objects.filter(pk=program.pk).update(priority=priority)
    program.priority = priority
    return program


def set_notes(program: ObservingProgram, notes: str, user) -> ObservingProgram:
    if not has_role(user, OPERATOR, SCIENTIST):
        _refuse(program, Actor.of_user(user), "action_refused", "only staff write notes", NotPermitted)
    ObservingProgram.objects.filter(pk=program.pk).update(notes=notes)
    program.notes = notes
    return program


# --- Upload -------------------------------------------------------------------------------------


def upload_inversion(
    program: ObservingProgram,
    user,
    files: Mapping[str, IO[bytes]],
    dataset_ids: Sequence[str],
    software_commit: str,
) -> Inversion:
    """The owner's three inversion FITS files (``files`` keyed by INVERSION_FILE_KINDS), checked,
    registered as products with the datasets used and the software commit; Working -> Inverted."""
    actor = Actor.of_user(user)
    if program.owner_id != user.pk:
        _refuse(program, actor, "upload_refused", "only the program's owner uploads results", NotPermitted)
    if program.state != "working":
        _refuse(program, actor, "upload_refused", f"{program} is {program.state_label}, not Working")
    problems = []
    commit = (software_commit or "").strip().lower()
    if not COMMIT.match(commit):
        problems.append(f"software commit {software_commit!r} is not a git commit (7 to 40 hex digits)")
    missing = [kind for kind in INVERSION_FILE_KINDS if files.get(kind) is None]
    if missing:
        problems.append(f"missing files: {', '.join(missing)}")
    datasets = list(program.datasets.filter(dataset_id__in=list(dataset_ids)))
    unknown = sorted(set(dataset_ids) - {d.dataset_id for d in datasets})
    if not dataset_ids:
        problems.append("tick at least one dataset used")
    if unknown:
        problems.append(f"datasets not in {program}: {', '.join(unknown)}")
    if problems:
        _refuse(
            program, actor, "upload_refused", "upload rejected: " + "; ".join(problems), problems=problems
        )

    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        paths = {}
        for kind in INVERSION_FILE_KINDS:
            paths[kind] = Path(folder) / f"{kind}.fits"
            with open(paths[kind], "wb") as handle:
                shutil.copyfileobj(files[kind], handle)
        candidate = InversionFiles(paths["quantities"], paths["fit_profiles"], paths["original_profiles"])
        try:
            summary = validate_inversion_files(candidate, program_id=program.execution_id)
        except InversionFileError as error:
            _refuse(program, actor, "upload_refused", str(error), problems=error.problems)
        inputs = [program.manifest] if program.manifest_id else []
        with (
            recording(
                "l2portal.programs.services.upload_inversion",
                parameters={"program": program.execution_id, "commit": commit, "datasets": list(dataset_ids)},
                subject=program,
                inputs=inputs,
            ),
            transaction.atomic(),
        ):
            collection = get_run_collection(UPLOAD_COLLECTION, "inversion results uploaded by scientists")
            products = {}
            for kind, path in paths.items():
                digest = sha256_file(path)[:12]
                name = f"{UPLOAD_COLLECTION}_{program.execution_id}_{kind}_{digest}.fits"
                products[kind] = write_product(
                    collection,
                    product_path(collection, program.execution_id, name),
                    f"inversion_{kind}",
                    lambda tmp, source=path: shutil.copyfile(source, tmp),
                    metadata={"program": program.execution_id, "commit": commit},
                    inputs=inputs,
                )
            inversion = Inversion.objects.create(
                program=program,
                uploaded_by=user,
                software_commit=commit,
                summary={**vars(summary), "lines": list(summary.lines)},
                **products,
            )
            inversion.datasets.set(datasets)
            transition(program, "inverted", actor, "results uploaded", inversion=inversion.pk, commit=commit)
    return inversion


# --- Publish ------------------------------------------------------------------------------------


def request_publish(program: ObservingProgram, user) -> None:
    actor = Actor.of_user(user)
    if not has_role(user, OPERATOR):
        _refuse(program, actor, "action_refused", "only operators publish", NotPermitted)
    if program.state != "inverted":
        _refuse(program, actor, "action_refused", f"{program} is {program.state_label}, not Inverted")
    enqueue("l2portal.programs.tasks.publish_program", program.pk)


def run_publish(program_pk: int, actor: Actor, url: str | None = None) -> ObservingProgram:
    """Write the Level 2 FITS products, register the inversion with the metadata store
    (createL2InversionInventory) and record its answer; Inverted -> Published. A failure moves
    the program to Error with the reason; an operator retry runs this again. Idempotent: the
    products of an earlier attempt are reused."""
    program = ObservingProgram.objects.get(pk=program_pk)
    if program.state != "inverted":
        log.info("%s is %s: nothing to publish", program, program.state)
        return program
    inversion = program.inversions.select_related("quantities", "fit_profiles", "original_profiles").first()
    if inversion is None:
        fail(program, actor, "publishing failed: no inversion uploaded")
        return program
    used = list(inversion.datasets.order_by("dataset_id"))
    dataset_ids = [d.dataset_id for d in used]
    files = InversionFiles(
        absolute_path(inversion.quantities),
        absolute_path(inversion.fit_profiles),
        absolute_path(inversion.original_profiles),
    )
    collection = get_run_collection(conf.l2_collection_name(), "published Level 2 inversion products")
    inputs = [inversion.quantities, inversion.fit_profiles, inversion.original_profiles]
    try:
        products = [
            _write_level2_product(collection, program, inversion, files, index, dataset_ids, inputs)
            for index in range(int(inversion.summary["n_frames"]))
        ]
        url = url or conf.metadata_store_url()
        if not url:
            raise MetadataError("METADATA_STORE_URL is not set")
        answer = MetadataClient(url).create_l2_inversion_inventory(
            inversion_id=inversion.inversion_id,
            primary_proposal_id=program.proposal_id,
            instrument_program_execution_id=next(
                (d.instrument_program_execution_id for d in used if d.instrument_program_execution_id), ""
            ),
            bucket=conf.l2_bucket(),
            asdf_object_key=None,
            dataset_ids=dataset_ids,
            spectral_lines=list(inversion.summary.get("lines", [])),
        )
    except (MetadataError, OSError, ValueError, IndexError) as error:
        fail(program, actor, f"publishing failed: {error}", inversion=inversion.pk)
        return program
    with transaction.atomic():
        Inversion.objects.filter(pk=inversion.pk).update(published_at=timezone.now(), store_answer=answer)
        transition(
            program,
            "published",
            actor,
            f"{len(products)} Level 2 products in {collection.name}; registered as {inversion.inversion_id}",
            inversion=inversion.pk,
            store_answer=answer,
        )
    return program


def _write_level2_product(collection, program, inversion, files, index, dataset_ids, inputs) -> Product:
    from .inversion import write_level2_frame

    name = level2_frame_name(program.execution_id, index)
    if collection.name.lower() not in name.lower():
        name = f"{collection.name}_{name}"
    return write_product(
        collection,
        product_path(collection, program.execution_id, name),
        "level2_frame",
        lambda tmp: write_level2_frame(
            tmp,
            files,
            index,
            program_id=program.execution_id,
            dataset_ids=dataset_ids,
            software_commit=inversion.software_commit,
            created=inversion.uploaded_at,
        ),
        metadata={"program": program.execution_id, "frame": index, "inversion": inversion.pk},
        inputs=inputs,
    )


# --- Read side ----------------------------------------------------------------------------------


def program_summary(program: ObservingProgram, dataset_ids: Sequence[str]) -> dict:
    """The shape `list_programs --json` prints for one program."""
    qualification = program.qualification or {}
    return {
        "id": program.execution_id,
        "proposal": program.proposal_id,
        "instruments": list(program.instruments),
        "state": program.state,
        "dataset_ids": list(dataset_ids),
        "qualification": {
            "invertible": bool(qualification.get("invertible", False)),
            "checks": {
                name: {"passed": check["passed"], "value": check["value"], "threshold": check["threshold"]}
                for name, check in qualification.get("checks", {}).items()
            },
        },
    }


def program_summaries(programs: Iterable[ObservingProgram]) -> list[dict]:
    programs = list(programs)
    ids: dict[int, list[str]] = {program.pk: [] for program in programs}
    for chunk in _chunks(list(ids)):
        rows = Dataset.objects.filter(program_id__in=chunk, superseded=False).order_by("dataset_id")
        for program_id, dataset_id in rows.values_list("program_id", "dataset_id"):
            ids[program_id].append(dataset_id)
    return [program_summary(program, ids[program.pk]) for program in programs]
