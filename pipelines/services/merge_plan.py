"""The merge plan (HalfPipe's mergeIndices and launchMerge), made in the database under row locks:
which chunk files feed which run, as one new version per run the downlink touched, and one merge
task per run not already merging. Two downlinks adding to one run serialise on the run's row. A
downlink is done once every run it touched has its Level 1 (a second fan-in)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from l2portal.ledger import services as ledger
from l2portal.ledger.models import FanIn
from l2portal.ledger.services import Actor

from ..models import ChunkEvents, DataRun, Downlink, MergeVersion
from .downlinks import chunks_fan_in

MERGE_TASK = "pipelines.tasks.merge_run"
ADVANCE_TASK = "pipelines.tasks.advance_downlink"
# States in which a run's merge task is not running: a new version needs one started.
IDLE = ("open", "level1_done")


def runs_fan_in(downlink_pk: int) -> str:
    return f"pipelines.downlink.{downlink_pk}.runs"


def plan_merges(downlink_pk: int, actor: Actor) -> None:
    with transaction.atomic():
        downlink = Downlink.objects.select_for_update().get(pk=downlink_pk)
        if downlink.state == "chunking":
            ledger.transition(downlink, "chunks_done", actor, f"all {downlink.chunk_count} chunks decoded")
        if downlink.state != "chunks_done":
            return
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
                ledger.enqueue(MERGE_TASK, run.pk, waiting=run)
        downlink.runs.add(*runs)
        ledger.fan_in_open(runs_fan_in(downlink.pk), len(runs), ADVANCE_TASK, downlink_pk=downlink.pk)
        names = ", ".join(str(run) for run in runs)
        ledger.transition(downlink, "merging", actor, f"merging {len(runs)} runs: {names}")
        if not runs:  # nothing decoded: nothing to wait for
            ledger.transition(downlink, "done", actor, "no events in any chunk")


def level1_done_for(run: DataRun, version: int, actor: Actor) -> None:
    """In the Level-1 step's transaction: versions up to ``version`` are through Level 1; each
    downlink whose last run this was is done."""
    waiting = MergeVersion.objects.filter(
        data_run=run, version__lte=version, status=MergeVersion.Status.MERGED
    ).select_related("downlink")
    downlinks = [v.downlink for v in waiting]
    waiting.update(status=MergeVersion.Status.LEVEL1_DONE)
    for downlink in downlinks:
        if ledger.fan_in_part_done(runs_fan_in(downlink.pk), str(run.run_id)):
            finish_downlink(downlink.pk, actor)


def finish_downlink(downlink_pk: int, actor: Actor) -> None:
    with transaction.atomic():
        downlink = Downlink.objects.select_for_update().get(pk=downlink_pk)
        if downlink.state == "error":
            ledger.retry(downlink, actor, "every run it touched has its Level 1 now")
        if downlink.state == "merging":
            ledger.transition(downlink, "done", actor, "every run it touched is merged and has its Level 1")


def advance_downlink(downlink_pk: int, actor: Actor) -> str:
    """Whatever is due for a downlink (the fan-ins' continuation, and what an operator's retry of
    a downlink starts): plan its merges once its chunks are decoded, finish it once its runs are."""
    downlink = Downlink.objects.get(pk=downlink_pk)
    keys = [chunks_fan_in(downlink), runs_fan_in(downlink.pk)]
    fired = set(FanIn.objects.filter(key__in=keys, fired_at__isnull=False).values_list("key", flat=True))
    if downlink.state in ("chunking", "chunks_done") and keys[0] in fired:
        plan_merges(downlink.pk, actor)
    elif downlink.state == "merging" and runs_fan_in(downlink.pk) in fired:
        finish_downlink(downlink.pk, actor)
    downlink.refresh_from_db(fields=["state"])
    return downlink.state
