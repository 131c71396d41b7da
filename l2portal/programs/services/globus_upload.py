"""Results by Globus: the owner names the Globus collection and the folder where the inversion
code wrote its three files (as the data center's scientists send them from their compute centre);
a task transfers them into the program's scratch folder, checksums verified by Globus, and they are
checked and registered as form uploads are. Large files are never read whole into memory.

The program stays Working while they travel. If the transfer fails or the files are refused, the
reason is on the transfer and in the program's events, nothing else changes, and the owner can
send them again."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from pathlib import PurePosixPath

from django.utils import timezone

from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor, enqueue, record_event, refuse, run_step

from .. import conf, task_names
from ..events import UPLOAD_FAILED
from ..models import ObservingProgram, Transfer
from ..science.transfer import Endpoint, StillRunning, TransferError, TransferItem, TransferJob
from .preprocess import scratch_folder
from .results import FILE_NAMES, UploadRefused, check_request, register_inversion
from .transfers import open_transfer, run_transfer

log = logging.getLogger(__name__)


class GlobusNotConfigured(Refused):
    """Results come by Globus only where Globus is configured (HTTP 409)."""

    code = "globus_not_configured"


def request_globus_upload(
    program: ObservingProgram,
    actor: Actor,
    collection: str,
    folder: str,
    dataset_ids: Sequence[str],
    software_commit: str,
) -> Transfer:
    """Ask for the results in ``folder`` on Globus collection ``collection`` (the owner)."""
    commit, datasets = check_request(program, actor, dataset_ids, software_commit)
    if not conf.uses_globus():
        refuse(
            GlobusNotConfigured(
                "results come by Globus only where Globus is configured (PROGRAMS_TRANSFER_BACKEND=globus); "
                "upload the files through the form"
            ),
            actor,
            program,
        )
    problems = []
    try:
        uuid.UUID(str(collection))
    except ValueError:
        problems.append(f"{collection!r} is not a Globus collection id (a UUID)")
    if (
        not str(folder).startswith(("/", "~/"))
        or ".." in PurePosixPath(folder).parts
        or "\x00" in str(folder)
    ):
        problems.append(f"folder {folder!r} must be an absolute path on the collection, e.g. /projects/op1/")
    if problems:
        refuse(
            UploadRefused("Globus upload refused: " + "; ".join(problems), details={"problems": problems}),
            actor,
            program,
        )
    transfer = open_transfer(
        program,
        Transfer.Purpose.UPLOAD,
        requested_by=actor.user,
        request={
            "collection": str(collection),
            "folder": str(folder),
            "dataset_ids": sorted(d.dataset_id for d in datasets),
            "software_commit": commit,
        },
    )
    enqueue(task_names.FETCH_INVERSION_RESULTS, program.pk, waiting=program)
    return transfer


def run_globus_upload(program_pk: int, actor: Actor) -> ObservingProgram:
    """The task's step: fetch and register the results asked for, if any."""
    program = ObservingProgram.objects.get(pk=program_pk)
    run_step(program, _fetch_results, actor)
    program.refresh_from_db()
    return program


def _fetch_results(program: ObservingProgram, actor: Actor) -> None:
    transfer = program.transfers.filter(purpose=Transfer.Purpose.UPLOAD, status__in=Transfer.RUNNING).first()
    if program.state != "working" or transfer is None:
        log.info("%s: no results on their way", program)
        return
    asked = transfer.request
    landing = scratch_folder(program) / "results" / str(transfer.pk)
    try:
        relative = conf.in_data_root(landing)
        job = TransferJob(
            f"Inversion results of {program.execution_id}",
            Endpoint(asked["collection"], asked["folder"]),
            conf.portal_endpoint(),
            tuple(TransferItem(name, f"{relative}/{name}", recursive=False) for name in FILE_NAMES.values()),
        )
        run_transfer(transfer, job)
    except StillRunning:
        enqueue(
            task_names.FETCH_INVERSION_RESULTS,
            program.pk,
            countdown=conf.globus_settings().poll_seconds,
            waiting=program,
        )
        return
    except TransferError as error:
        Transfer.objects.filter(pk=transfer.pk, status__in=Transfer.RUNNING).update(
            status=Transfer.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        record_event(
            UPLOAD_FAILED,
            f"results of {program} did not arrive: {error}",
            actor,
            program,
            transfer=transfer.pk,
        )
        return
    paths = {kind: landing / name for kind, name in FILE_NAMES.items()}
    datasets = list(program.datasets.filter(dataset_id__in=asked["dataset_ids"]))
    try:
        register_inversion(
            program,
            actor,
            transfer.requested_by,
            paths,
            datasets,
            asked["software_commit"],
            arrived_by="globus",
        )
    except UploadRefused as refused:
        Transfer.objects.filter(pk=transfer.pk).update(
            status=Transfer.Status.FAILED, error=refused.message, finished_at=timezone.now()
        )
