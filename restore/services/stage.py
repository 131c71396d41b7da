"""Staging: the raw ASDMs exported into rawdata/, the products fetched into products/ and verified by
the store's CRC, in parallel and resumable (a file verified by an earlier attempt is not fetched
again). Each verified product file is registered as an input of the restore (a product of the
restores collection, hard-linked to the file the pipeline reads)."""

from __future__ import annotations

import errno
import os
import shlex
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from django.db import transaction

from l2portal.files import atomic_output
from l2portal.ledger import services as ledger
from l2portal.ledger.execution import TransientError
from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry
from restore import conf
from restore.science.layout import RestoreLayout, disk_name, tree_size
from restore.science.productstore import ProductStore, StoreError, StoreUnreachable
from restore.science.runner import command_line

from ..models import RestoreRequest, StagedFile
from .steps import STEP_ERRORS, store_of


def stage(request: RestoreRequest, actor: Actor) -> None:
    """Export the raw ASDMs into rawdata/ and fetch the products into products/, verified, in
    parallel; files verified by an earlier attempt are skipped."""
    if request.state != "checked" or request.cancel_requested:
        return
    if not request.layout_root:
        request.layout_root = str(conf.restore_root() / f"request-{request.pk}")
        RestoreRequest.objects.filter(pk=request.pk).update(layout_root=request.layout_root)
    layout = request.layout
    try:
        mous_dir = layout.create()
        layout.logs.mkdir(exist_ok=True)
    except (OSError, ValueError) as error:
        raise StepFailed(f"cannot create the restore layout: {error}") from None
    files = _planned_files(request, layout)
    todo = [staged for staged in files if not _still_verified(staged, mous_dir)]
    done = len(files) - len(todo)
    store = store_of(request)
    if _progress(request, done, len(files)):
        return  # cancelled meanwhile
    failures, unreachable = [], []
    with ThreadPoolExecutor(max_workers=conf.staging_threads(), thread_name_prefix="restore-stage") as pool:
        futures = {pool.submit(_stage_one, store, staged, mous_dir): staged for staged in todo}
        for future in as_completed(futures):
            staged = futures[future]
            staged.attempts += 1
            try:
                result = future.result()
                if staged.kind == StagedFile.Kind.PRODUCT:
                    result["product"] = _register_input(request, mous_dir / staged.relative_path)
            except (StepFailed, *STEP_ERRORS) as error:
                staged.status, staged.error = StagedFile.Status.FAILED, str(error)
                (unreachable if isinstance(error, StoreUnreachable) else failures).append(str(error))
            else:
                staged.status, staged.error = StagedFile.Status.VERIFIED, ""
                for field, value in result.items():
                    setattr(staged, field, value)
                done += 1
            staged.save()
            if _progress(request, done, len(files)):
                pool.shutdown(cancel_futures=True)
                return
    if failures:
        raise StepFailed(
            f"staging failed for {len(failures)} of {len(files)} file(s): " + "; ".join(sorted(failures))
        )
    if unreachable:  # the store is down or busy: the task tries again later, verified files kept
        raise TransientError("; ".join(sorted(unreachable)))
    with transaction.atomic():
        ledger.transition(request, "staged", actor, f"{len(files)} files staged and verified")
        ledger.start_step(request)


def _planned_files(request: RestoreRequest, layout: RestoreLayout) -> list[StagedFile]:
    """The StagedFile rows of this restore, created on the first staging attempt."""
    mous_dir = layout.mous_dir
    planned = [
        StagedFile(
            request=request,
            kind=StagedFile.Kind.ASDM,
            name=eb,
            relative_path=str((layout.rawdata / disk_name(eb)).relative_to(mous_dir)),
        )
        for eb in request.plan["dataset"]
    ] + [
        StagedFile(
            request=request,
            kind=StagedFile.Kind.PRODUCT,
            name=product["name"],
            file_class=product["file_class"],
            relative_path=str((layout.products / product["name"]).relative_to(mous_dir)),
        )
        for product in request.plan["product_files"]
    ]
    StagedFile.objects.bulk_create(planned, ignore_conflicts=True)
    return list(request.staged_files.order_by("kind", "name"))


def _still_verified(staged: StagedFile, mous_dir: Path) -> bool:
    path = mous_dir / staged.relative_path
    if staged.status != StagedFile.Status.VERIFIED:
        return False
    if staged.kind == StagedFile.Kind.ASDM:
        return (path / "ASDM.xml").is_file()
    return staged.product_id is not None and path.is_file() and path.stat().st_size == staged.size


def _progress(request: RestoreRequest, done: int, total: int) -> bool:
    """Record progress; return whether a cancellation was asked for meanwhile."""
    RestoreRequest.objects.filter(pk=request.pk).update(
        progress_done=done, progress_total=total, progress_note=f"staging: {done} of {total} files verified"
    )
    return RestoreRequest.objects.filter(pk=request.pk, cancel_requested=True).exists()


def _stage_one(store: ProductStore, staged: StagedFile, mous_dir: Path) -> dict[str, Any]:
    """Runs in a staging thread: file work only, no database (the caller records the result)."""
    if staged.kind == StagedFile.Kind.ASDM:
        return _export_asdm(staged.name, (mous_dir / staged.relative_path).parent)
    announced: list[int] = []
    try:
        with atomic_output(mous_dir / staged.relative_path, overwrite=True) as tmp:
            fetched = store.fetch(staged.name, tmp, on_size=announced.append)
    except StoreUnreachable:
        raise
    except StoreError as error:
        raise StepFailed(str(error)) from None
    return {
        "expected_size": announced[0],
        "size": fetched.size,
        "sha256": fetched.sha256,
        "checksum": fetched.checksum,
        "checksum_variant": fetched.variant,
    }


def _export_asdm(eb_uid: str, rawdata: Path) -> dict[str, Any]:
    # An export killed half way (its worker lost) leaves its temporary files: this one starts over.
    for leftover in (rawdata / disk_name(eb_uid)).glob(".*.part"):
        leftover.unlink(missing_ok=True)
    args = command_line(conf.export_command(), [eb_uid, str(rawdata)], uid=eb_uid, dest=str(rawdata))
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=conf.time_limit())
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StepFailed(f"export of {eb_uid} could not run ({shlex.join(args)}): {error}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-500:]
        raise StepFailed(f"export of {eb_uid} failed with exit code {done.returncode}: {tail}")
    asdm = rawdata / disk_name(eb_uid)
    if not (asdm / "ASDM.xml").is_file():
        raise StepFailed(f"export of {eb_uid} finished but {asdm}/ASDM.xml is not there")
    return {"size": tree_size(asdm), "sha256": ""}


def _link_or_copy(source: Path, target: Path) -> None:
    """``target`` (an empty temporary file) becomes the same file as ``source``, or a copy of it
    across file systems."""
    target.unlink()
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        shutil.copyfile(source, target)


def _register_input(request: RestoreRequest, staged_path: Path):
    collection = registry.get_run_collection(
        conf.COLLECTION, "MOUS restores: PPRs, scripts, inputs and outputs"
    )
    relative = registry.product_path(
        collection,
        f"request-{request.pk}",
        "inputs",
        f"{conf.COLLECTION}_request-{request.pk}_{staged_path.name}",
    )
    return registry.write_product(
        collection,
        relative,
        "restore_input",
        lambda tmp: _link_or_copy(staged_path, tmp),
        metadata={"restore_request": request.pk, "ngas_file_id": staged_path.name},
    )
