"""Scan: fetch the metadata store's datasets (or read offline response files), write what is new
or changed, regroup the programs it touches and qualify those whose settle period is over."""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from l2portal.ledger.bulk import chunks, field_values, insert_rows, set_rows
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor, enqueue, record_event, refuse, require_role

from .. import conf, task_names
from ..events import SCAN_FAILED
from ..models import INVENTORY_COLUMNS, Dataset, ObservingProgram, Scan
from ..refusals import NoMetadataStore
from ..science.grouping import ProgramGroup, group_programs
from ..science.metadata import (
    DatasetInventory,
    MetadataClient,
    MetadataError,
    MetadataResponseError,
    load_response_files,
    parse_dataset_inventory,
)
from .qualify import qualify_ready_programs

log = logging.getLogger(__name__)


class ScanFailed(Exception):
    """A scan that imported nothing; its error is recorded on the Scan row (``scan``). Scans run
    on the workers and from the command line, so this is an outcome to report, not a refusal."""

    def __init__(self, scan: Scan):
        self.scan = scan
        super().__init__("; ".join(scan.errors))


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


def scheduled_scan(actor: Actor, proposal_id: str | None = None) -> int | None:
    """A scan on the workers, of one proposal or of the whole store; returns the Scan's id, failed
    or not (a failure is on its row). Without METADATA_STORE_URL a whole-store scan only
    qualifies the programs (e.g. imported from files) whose settle period has ended."""
    if not proposal_id and not conf.metadata_store_url():
        log.info("METADATA_STORE_URL is not set: no scan, qualifying settled programs only")
        qualify_ready_programs(actor)
        return None
    try:
        return scan_store(actor, proposal_id=proposal_id).pk
    except ScanFailed as failed:
        log.warning("scan %s failed: %s", failed.scan.pk, failed)
        return failed.scan.pk


NO_STORE = (
    "no metadata store is configured: set METADATA_STORE_URL, or scan files with "
    "manage.py scan_metadata --file F.json"
)


def request_scan(actor: Actor, proposal_id: str | None = None) -> None:
    """Start a scan on the workers, of one proposal or of the whole store (operators)."""
    what = f"proposal {proposal_id}" if proposal_id else "the whole store"
    require_role(actor, OPERATOR, to=f"scan the metadata store ({what})")
    if not conf.metadata_store_url():
        refuse(NoMetadataStore(f"cannot scan {what}: {NO_STORE}"), actor)
    if proposal_id:
        enqueue(task_names.SCAN_PROPOSAL, proposal_id)
    else:
        enqueue(task_names.SCAN_METADATA_STORE)


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


def scan_records(records: Sequence[Mapping], actor: Actor, source: str) -> Scan:
    """Import raw records already in hand (generated demo data) as a scan of ``source``."""
    scan = Scan.objects.create(source=source[:1024], actor=actor.label)
    return _import_or_fail([list(records)], scan, actor)


def _import_or_fail(pages: Iterable[list], scan: Scan, actor: Actor, whole_store: bool = False) -> Scan:
    """Every failure ends the scan as Failed with its reason, the unexpected ones too."""
    try:
        return import_records(pages, scan, actor, whole_store=whole_store)
    except MetadataError as error:
        raise ScanFailed(_failed_scan(scan, str(error), actor)) from None
    except Exception as error:
        log.exception("scan %s failed", scan.pk)
        raise ScanFailed(_failed_scan(scan, f"unexpected {type(error).__name__}: {error}", actor)) from None


def _failed_scan(scan: Scan, error: str, actor: Actor) -> Scan:
    scan.status, scan.errors, scan.finished_at = Scan.Status.FAILED, [error], timezone.now()
    scan.save()
    record_event(SCAN_FAILED, f"scan of {scan.source} failed: {error}", actor, subject=scan)
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
        for chunk in chunks([] if whole_store else ids):
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
    for chunk in chunks(old_program_pks):
        affected.update(ObservingProgram.objects.filter(pk__in=chunk).values_list("execution_id", flat=True))
    program_pks = _program_pks(affected)

    # Every member of the touched programs: what the scan brought, plus what only the database has.
    members = [
        parsed.get(dataset_id) or parse_dataset_inventory(record)
        for dataset_id, record in by_id.items()
        if record.get("observingProgramExecutionId") in affected
    ]
    stored_flags: dict[str, bool] = {i: row[_SUPERSEDED] for i, row in known.items()}
    for chunk in chunks(list(program_pks.values())):
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
        for chunk in chunks(ids):
            Dataset.objects.filter(dataset_id__in=chunk).update(superseded=flag)
    return grouped


def _program_pks(execution_ids: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(execution_ids)):
        rows = ObservingProgram.objects.filter(execution_id__in=chunk).values_list("execution_id", "pk")
        found.update(rows)
    return found
