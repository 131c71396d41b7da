"""Transfers of a program's files through the configured backend (transfer.py, globus.py), with
their progress and per-file results recorded on a Transfer row, which the program page shows live.

A transfer that did not finish (its worker died, or it still runs on Globus) is resumed by the
next run of the step: the same row, and the Globus task it remembered."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from l2portal.ledger.bulk import insert_rows
from l2portal.ledger.execution import TransientError

from .. import conf
from ..models import ObservingProgram, Transfer, TransferredFile
from ..science.transfer import (
    StillRunning,
    TransferError,
    TransferJob,
    TransferReport,
    TransferState,
    TransferUnavailable,
    TransferWatch,
)

PROGRESS_EVERY_SECONDS = 1.0


class _Recorder(TransferWatch):
    """Writes the backend's progress onto the Transfer row, at most once a second."""

    def __init__(self, transfer: Transfer):
        self.transfer = transfer
        self.last = 0.0

    def progress(self, state: TransferState) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and state.status == "ACTIVE":
            return
        self.last = now
        Transfer.objects.filter(pk=self.transfer.pk).update(
            status=Transfer.Status.ACTIVE,
            task_id=state.task_id or self.transfer.task_id,
            files_total=state.files_total,
            files_done=state.files_done,
            files_skipped=state.files_skipped,
            bytes_done=state.bytes_done,
            faults=state.faults,
            current=state.current[:1024],
            updated_at=timezone.now(),
        )

    def remember(self, resume: Mapping) -> None:
        self.transfer.resume = dict(resume)
        Transfer.objects.filter(pk=self.transfer.pk).update(
            resume=self.transfer.resume, task_id=resume.get("task_id", ""), updated_at=timezone.now()
        )


def open_transfer(
    program: ObservingProgram, purpose: str, *, requested_by=None, request: Mapping | None = None
) -> Transfer:
    """The program's unfinished transfer of this purpose (to resume), else a new queued one."""
    running = program.transfers.filter(purpose=purpose, status__in=Transfer.RUNNING).first()
    if running is not None:
        return running
    return Transfer.objects.create(
        program=program, purpose=purpose, requested_by=requested_by, request=dict(request or {})
    )


def run_transfer(transfer: Transfer, job: TransferJob) -> TransferReport:
    """Carry out ``job`` for ``transfer`` through the configured backend; its outcome and every
    file are recorded. Raises TransferError (recorded as the transfer's failure), TransientError
    (the backend's service could not be reached: the task retries) or StillRunning."""
    backend = conf.transfer_backend()
    Transfer.objects.filter(pk=transfer.pk).update(
        backend=backend.name,
        label=job.label[:255],
        source=job.source.describe()[:1024],
        destination=job.destination.describe()[:1024],
        status=Transfer.Status.ACTIVE,
        error="",
        updated_at=timezone.now(),
    )
    try:
        report = backend.run(job, _Recorder(transfer), resume=transfer.resume or None)
    except TransferUnavailable as error:
        raise TransientError(str(error)) from None
    except StillRunning:
        raise
    except TransferError as error:
        Transfer.objects.filter(pk=transfer.pk).update(
            status=Transfer.Status.FAILED,
            error=str(error),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        raise
    _record(transfer, report)
    return report


def _record(transfer: Transfer, report: TransferReport) -> None:
    with transaction.atomic():
        TransferredFile.objects.filter(transfer=transfer).delete()
        insert_rows(
            TransferredFile,
            [
                {
                    "transfer_id": transfer.pk,
                    "path": result.path[:1024],
                    "size": result.size,
                    "sha256": result.sha256,
                    "verified_by": result.verified_by,
                    "skipped": result.skipped,
                    "faults": result.faults,
                }
                for result in report.files
            ],
        )
        Transfer.objects.filter(pk=transfer.pk).update(
            status=Transfer.Status.SUCCEEDED,
            task_id=report.task_id,
            files_total=len(report.files),
            files_done=len(report.files),
            files_skipped=sum(result.skipped for result in report.files),
            bytes_done=report.bytes_transferred,
            faults=len(report.faults),
            events=[asdict(fault) for fault in report.faults],
            current="",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
