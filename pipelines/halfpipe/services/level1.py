"""A merged run's Level 1 (HalfPipe's launchL1): its FT1-style event file, and its 1-s and 30-s FT2
files from the FT2 side (``ft2_files``: pipelines.ft2.services.level1_ft2, which HalfPipe does not
import; it gives this step its maker). Then the downlinks that waited for it may be done, a version
planned meanwhile is merged, and online monitoring is told, once all three files are written. A run
whose livetime source has nothing for it is held as ``no_livetime_source``, nothing written, with
what to provide as the reason, until an operator resumes its Level 1 or a new downlink merges it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry
from l2portal.registry.models import Collection, Product

from ... import conf, task_names
from ...science import livetime
from ...science.eventfile import EventFileError, open_event_file
from ...science.eventmerge import merge_event_files
from ...science.level1 import ft1_filename
from ..models import DataRun, MergeVersion
from ..selectors import HELD
from . import folders
from .downlinks import level1_done_for, run_failed

# (run, version, output collection, TSTART, TSTOP, DATE of the merged file) -> {"1s": ..., "30s": ...}
Ft2Files = Callable[[DataRun, MergeVersion, Collection, float, float, dt.datetime, Actor], dict[str, Product]]


def level1_run(run_pk: int, actor: Actor, ft2_files: Ft2Files) -> str:
    run = DataRun.objects.get(pk=run_pk)
    if run.state == "level1_running":
        ledger.run_step(
            run, lambda r, a: _level1(r, a, ft2_files), actor, on_error=lambda r: run_failed(r, actor)
        )
    return run.state


def _newer_version_merged(run: DataRun, version: MergeVersion) -> bool:
    """A delivery of this task again, late: a newer version was merged meanwhile, and the run
    waits for that version's Level 1, not this one's."""
    return (
        run.versions.filter(version__gt=version.version).exclude(status=MergeVersion.Status.PLANNED).exists()
    )


def _level1(run: DataRun, actor: Actor, ft2_files: Ft2Files) -> None:
    version = (
        run.versions.exclude(status=MergeVersion.Status.PLANNED)
        .select_related("product")
        .order_by("-version")
        .first()
    )
    collection = folders.output_collection()
    registry.verify_inputs(
        [version.product], actor, subject=run, remedy="retry the run's downlink to merge it again"
    )
    try:
        merged = open_event_file(registry.absolute_path(version.product))
    except EventFileError as error:
        raise StepFailed(f"{run} v{version.version:03d}: {error}") from error
    tstart, tstop, date = merged.primary["TSTART"], merged.primary["TSTOP"], merged.primary["DATE"]
    try:
        ft2 = ft2_files(run, version, collection, tstart, tstop, dt.datetime.fromisoformat(date), actor)
    except livetime.SourceUnavailable as error:
        _hold(run, version, str(error), actor)
        return
    except livetime.LivetimeError as error:
        raise StepFailed(f"{run}: {error}") from error
    name = ft1_filename(collection.name, run.run_id, version.version)
    keywords = {
        "FILENAME": name,
        "CREATOR": "l2portal pipelines.science.level1",
        "PROC_VER": (conf.proc_ver(collection.name), "processing version of this file"),
    }

    def write_ft1(tmp):
        with open(tmp, "wb") as handle:
            merge_event_files([merged], handle, keywords, buffer_rows=conf.merge_buffer_rows())

    ft1 = registry.write_product(
        collection,
        folders.level1_path(collection, run.run_id, name),
        "level1_ft1",
        write_ft1,
        metadata={"run_id": run.run_id, "version": version.version},
        inputs=[version.product],
    )
    with transaction.atomic():
        DataRun.objects.select_for_update().get(pk=run.pk)
        if _newer_version_merged(run, version):
            return
        MergeVersion.objects.filter(pk=version.pk).update(
            level1_ft1=ft1, level1_ft2_1s=ft2["1s"], level1_ft2_30s=ft2["30s"]
        )
        level1_done_for(run, version.version, actor)
        ledger.transition(run, "level1_done", actor, f"Level 1 of v{version.version:03d} written")
        _merge_planned(run, actor)
        if conf.online_hook():
            ledger.enqueue(task_names.NOTIFY_ONLINE, run.pk, version.version)


def _hold(run: DataRun, version: MergeVersion, reason: str, actor: Actor) -> None:
    with transaction.atomic():
        DataRun.objects.select_for_update().get(pk=run.pk)
        if _newer_version_merged(run, version):
            return
        ledger.transition(
            run, HELD, actor, f"Level 1 of v{version.version:03d} held: {reason}, then resume its Level 1"
        )
        _merge_planned(run, actor)


def _merge_planned(run: DataRun, actor: Actor) -> None:
    planned = run.versions.filter(status=MergeVersion.Status.PLANNED).order_by("version").first()
    if planned is not None:
        ledger.transition(run, "merging", actor, f"v{planned.version:03d} planned meanwhile")
        ledger.enqueue(task_names.MERGE_RUN, run.pk, waiting=run)
