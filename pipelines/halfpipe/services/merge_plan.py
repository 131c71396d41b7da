"""The merge plan (HalfPipe's mergeIndices and launchMerge), made in the database under row locks:
which chunk files feed which run, as one new version per run the downlink touched, and one merge
task per run not already merging. Two downlinks adding to one run serialise on the run's row."""

from __future__ import annotations

from django.db.models import Max

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor

from ... import task_names
from ..models import ChunkEvents, DataRun, Downlink, MergeVersion

# States in which a run's merge task is not running: a new version needs one started.
IDLE = ("open", "level1_done", "no_livetime_source")


def plan_run_versions(downlink: Downlink, actor: Actor) -> list[DataRun]:
    """In the caller's transaction, the downlink's row locked: a version of each run its chunks
    touched, merged by the run's task (started unless it runs already); returns those runs."""
    run_pks = sorted(
        set(ChunkEvents.objects.filter(chunk__downlink=downlink).values_list("data_run_id", flat=True))
    )
    runs = list(DataRun.objects.select_for_update().filter(pk__in=run_pks).order_by("run_id"))
    latest = dict(
        MergeVersion.objects.filter(data_run__in=runs)
        .values("data_run_id")
        .annotate(top=Max("version"))
        .values_list("data_run_id", "top")
    )
    for run in runs:
        version, created = MergeVersion.objects.get_or_create(
            data_run=run, downlink=downlink, defaults={"version": latest.get(run.pk, 0) + 1}
        )
        if created and run.state in IDLE:
            ledger.transition(run, "merging", actor, f"{downlink} brings v{version.version:03d}")
            ledger.enqueue(task_names.MERGE_RUN, run.pk, waiting=run)
    downlink.runs.add(*runs)
    return runs
