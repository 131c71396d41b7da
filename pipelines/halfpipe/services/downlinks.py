"""A downlink's way through HalfPipe, and the only module that moves a downlink: started (one
decoding task per chunk, a fan-in waiting for all of them), its chunks decoded (the last one plans
a merge per run they touched, a second fan-in waiting for the runs' Level 1), done; in Error while a
chunk or a run it waits for has failed, back on its way once that one is retried and gets through."""

from __future__ import annotations

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.models import FanIn
from l2portal.ledger.services import Actor

from ... import task_names
from ..models import Chunk, DataRun, Downlink, MergeVersion
from .merge_plan import plan_run_versions


def chunks_fan_in(downlink: Downlink) -> str:
    return f"pipelines.downlink.{downlink.pk}.chunks"


def runs_fan_in(downlink_pk: int) -> str:
    return f"pipelines.downlink.{downlink_pk}.runs"


def start_downlink(downlink: Downlink, actor: Actor) -> None:
    """Queue every chunk for decoding, with the fan-in its last chunk completes."""
    ledger.fan_in_open(
        chunks_fan_in(downlink), downlink.chunk_count, task_names.ADVANCE_DOWNLINK, downlink_pk=downlink.pk
    )
    ledger.transition(downlink, "chunking", actor, f"{downlink.chunk_count} chunks queued for decoding")
    for chunk in downlink.chunks.order_by("number"):
        ledger.enqueue(task_names.DECODE_CHUNK, chunk.pk, waiting=chunk)


def chunk_decoded(chunk: Chunk, actor: Actor) -> None:
    """In the chunk's transaction: a downlink waiting in Error for this chunk goes back to
    decoding; the fan-in counts the chunk, and the call that completes it plans the merges."""
    downlink = chunk.downlink  # its state as the task began: a downlink failing since waits for that chunk
    if downlink.state == "error":
        downlink.refresh_from_db(fields=["state"])
        if downlink.state == "error" and not downlink.chunks.filter(state="error").exists():
            ledger.retry(downlink, actor, f"chunk {chunk.number} decoded after its retry")
    if ledger.fan_in_part_done(chunks_fan_in(downlink), str(chunk.number)):
        plan_merges(downlink.pk, actor)


def chunk_failed(chunk: Chunk, actor: Actor) -> None:
    """A failed chunk holds up its decoding downlink, which shows Error with the chunk's reason."""
    downlink = chunk.downlink
    downlink.refresh_from_db(fields=["state"])
    if downlink.state != "chunking":
        return
    reason = (
        chunk.transitions.filter(to_state="error").order_by("-at", "-id").values_list("reason", flat=True)
    )
    ledger.fail(
        downlink,
        actor,
        f"chunk {chunk.number} failed: {reason.first()}; retry the chunk once it is fixed",
        chunk=chunk.number,
    )


def plan_merges(downlink_pk: int, actor: Actor) -> None:
    """Once every chunk is decoded: a new version of each run the chunks touched, and the fan-in
    that waits for those runs' Level 1."""
    with transaction.atomic():
        downlink = Downlink.objects.select_for_update().get(pk=downlink_pk)
        if downlink.state == "chunking":
            ledger.transition(downlink, "chunks_done", actor, f"all {downlink.chunk_count} chunks decoded")
        if downlink.state != "chunks_done":
            return
        runs = plan_run_versions(downlink, actor)
        ledger.fan_in_open(
            runs_fan_in(downlink.pk), len(runs), task_names.ADVANCE_DOWNLINK, downlink_pk=downlink.pk
        )
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


def run_failed(run: DataRun, actor: Actor) -> None:
    """A run that fails (in its merge or its Level 1) holds up the downlinks that wait for it: they
    show Error with the run's reason until the run is retried and gets its Level 1."""
    reason = run.transitions.filter(to_state="error").order_by("-at", "-id").values_list("reason", flat=True)
    waiting = Downlink.objects.filter(
        state="merging",
        merge_versions__data_run=run,
        merge_versions__status__in=(MergeVersion.Status.PLANNED, MergeVersion.Status.MERGED),
    ).distinct()
    for downlink in waiting:
        ledger.fail(downlink, actor, f"run {run} failed: {reason.first()}; retry the run", run_id=run.run_id)


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
