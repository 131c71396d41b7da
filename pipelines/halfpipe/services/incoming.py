"""Downlinks picked up as they arrive: every scan of the incoming root (beat) looks at each folder
not yet registered, remembers its files and sizes, and registers it through ingest_downlink once it
is whole (pipelines.science.downlinkfolder) and nothing in it has changed for the settle time
(PIPELINES_INCOMING_SETTLE_SECONDS). A folder is looked at again only when its files change, so a
refusal is recorded once; a registered folder is not listed again. A scan reads every row once and
writes only the folders that changed or came due: queries grow with the changes, not the folders."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import record_refusal

from ... import conf
from ...science.downlinkfolder import missing_parts
from ..models import Downlink, IncomingFolder
from .ingest import DownlinkRefused, ingest_downlink

Status = IncomingFolder.Status


def _listing(folder: Path) -> dict[str, int]:
    with os.scandir(folder) as entries:
        return {entry.name: entry.stat().st_size for entry in entries if entry.is_file()}


def _settling_reason(settle) -> str:
    return f"complete; registered once nothing in it changes for {settle.total_seconds():g} s"


def _look_at(folder: Path, seen: IncomingFolder | None, actor: Actor, now: datetime) -> str:
    """One folder's step (``seen``: its row as the scan read it); returns its status after it."""
    try:
        files = _listing(folder)
    except OSError:  # removed or renamed while listed: looked at again at the next scan
        return Status.INCOMPLETE
    settle = conf.incoming_settle()
    due = seen is not None and seen.status == Status.SETTLING and now - seen.changed_at >= settle
    if seen is not None and files == seen.files and not due:
        return seen.status  # nothing changed and nothing due: no query
    with transaction.atomic():
        row, created = IncomingFolder.objects.select_for_update().get_or_create(
            name=folder.name, defaults={"first_seen_at": now, "changed_at": now, "checked_at": now}
        )
        if row.status == Status.REGISTERED:  # a scan running beside this one registered it
            return row.status
        if created or files != row.files:
            try:
                retdefs = {name: (folder / name).read_bytes() for name in files if name.startswith("RetDef-")}
                why = missing_parts(files, retdefs)
            except OSError as error:  # unreadable or gone since listed: this folder waits, the rest go on
                why = f"a RetDef cannot be read ({error.strerror or error}); check its owner and permissions"
            row.files, row.changed_at = files, now
            row.file_count, row.size = len(files), sum(files.values())
            row.status = Status.INCOMPLETE if why else Status.SETTLING
            row.reason = why or _settling_reason(settle)
        elif row.status == Status.SETTLING and now - row.changed_at >= settle:
            try:
                row.downlink, _ = ingest_downlink(folder, actor)
            except DownlinkRefused as error:
                record_refusal(error, actor)  # recorded once, even when refused inside ingest's transaction
                row.status, row.reason = Status.REFUSED, error.message
            else:
                row.status, row.reason = Status.REGISTERED, ""
        row.checked_at = now
        row.save()
    return row.status


def scan_incoming(actor: Actor, *, now: datetime | None = None) -> dict[str, int]:
    """Look at every folder under the incoming root not registered yet; returns how many folders
    ended in each status. Rows of folders that are gone are dropped."""
    now = now or timezone.now()
    root = conf.incoming_root()
    if not root.is_dir():
        return {}
    with os.scandir(root) as entries:
        names = sorted(entry.name for entry in entries if entry.is_dir() and not entry.name.startswith("."))
    IncomingFolder.objects.exclude(name__in=names).delete()
    rows = {row.name: row for row in IncomingFolder.objects.all()}
    done = {name for name, row in rows.items() if row.status == Status.REGISTERED}
    # Folders registered by `manage.py ingest_downlink` (or before scans) are not looked at.
    by_hand = set(Downlink.objects.filter(folder__in=names).values_list("folder", flat=True)) - done
    IncomingFolder.objects.filter(name__in=by_hand).update(status=Status.REGISTERED, reason="")
    done |= by_hand
    counts: dict[str, int] = {}
    for name in names:
        status = Status.REGISTERED if name in done else _look_at(root / name, rows.get(name), actor, now)
        counts[status] = counts.get(status, 0) + 1
    return counts
