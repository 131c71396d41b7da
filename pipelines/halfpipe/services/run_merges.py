"""Merging a run (HalfPipe's mergeEvt, without its lock file): each planned version, in order, is
the previous version plus the chunk files of the downlink that planned it, merged into a new event
file; the old version stays registered. Then the run goes on to Level 1."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor
from l2portal.registry import services as registry

from ... import conf, task_names
from ...science.eventfile import EventFileError, open_event_file
from ...science.eventmerge import merge_event_files
from ..models import ChunkEvents, DataRun, MergeVersion
from . import folders
from .downlinks import run_failed

CREATOR = "l2portal pipelines.science.eventmerge"
DECODE_AGAIN = (
    "nothing was merged; find out what changed it, then decode its chunk again (or, for an earlier merged "
    "version, merge that version again) and retry the run"
)


def merge_run(run_pk: int, actor: Actor) -> str:
    run = DataRun.objects.get(pk=run_pk)
    if run.state in ("merging", "merged"):
        ledger.run_step(run, _merge, actor, on_error=lambda r: run_failed(r, actor))
    return run.state


def _merge(run: DataRun, actor: Actor) -> None:
    while True:
        planned = run.versions.filter(status=MergeVersion.Status.PLANNED).order_by("version").first()
        if planned is not None:
            if run.state == "merged":
                ledger.transition(run, "merging", actor, f"v{planned.version:03d} planned meanwhile")
            merge_version(run, planned, actor)
            continue
        with transaction.atomic():
            DataRun.objects.select_for_update().get(pk=run.pk)
            if run.versions.filter(status=MergeVersion.Status.PLANNED).exists():
                continue  # a downlink planned another version while this one merged
            latest = run.versions.exclude(status=MergeVersion.Status.PLANNED).order_by("-version").first()
            if run.state == "merging":
                reason = (
                    f"v{latest.version:03d}: {latest.events} events "
                    f"({latest.added} new, {latest.duplicates} seen again)"
                )
                ledger.transition(run, "merged", actor, reason, version=latest.version)
            ledger.transition(run, "level1_running", actor, f"Level 1 of v{latest.version:03d}")
            ledger.enqueue(task_names.LEVEL1_RUN, run.pk, waiting=run)
            return


def _date(run: DataRun, version: MergeVersion) -> str:
    """The file's DATE: the latest RetDef time of the downlinks merged so far, so the same inputs
    give the same bytes however often and in whatever order they are processed."""
    so_far = run.versions.filter(version__lte=version.version)
    return max(so_far.values_list("downlink__generated_at", flat=True)).strftime("%Y-%m-%dT%H:%M:%S")


def merge_version(run: DataRun, version: MergeVersion, actor: Actor) -> None:
    collection = folders.output_collection()
    previous = run.versions.filter(version=version.version - 1).select_related("product").first()
    pieces = list(
        ChunkEvents.objects.filter(data_run=run, chunk__downlink=version.downlink)
        .select_related("product")
        .order_by("chunk__number")
    )
    inputs = ([previous.product] if previous else []) + [piece.product for piece in pieces]
    registry.verify_inputs(inputs, actor, subject=run, remedy=DECODE_AGAIN)
    records = (previous.records if previous else 0) + sum(piece.events for piece in pieces)
    relative = folders.merged_path(collection, run.run_id, version.version)
    merged_so_far = run.versions.filter(version__lte=version.version)
    downlinks = sorted(merged_so_far.values_list("downlink__downlink_id", flat=True))
    keywords = {
        "DATE": (_date(run, version), "file creation date (UTC): latest RetDef merged"),
        "FILENAME": relative.rsplit("/", 1)[-1],
        "CREATOR": CREATOR,
        "PROCNAME": (collection.name, "processing name"),
        "RUN_ID": (run.run_id, "run start, MET s"),
        "RUNSTART": (run.hex_start, "run start, hexadecimal"),
        "VERSION": (version.version, "merge version of this run"),
        "DOWNLNKS": (",".join(f"{d:09d}" for d in downlinks), "downlinks merged"),
        "NRECORDS": (records, "chunk records read, all versions"),
    }

    def write(tmp):
        try:
            sources = [open_event_file(registry.absolute_path(product)) for product in inputs]
            with open(tmp, "wb") as handle:
                merge_event_files(sources, handle, keywords, buffer_rows=conf.merge_buffer_rows())
        except (EventFileError, OSError) as error:
            raise ledger.StepFailed(f"{run} v{version.version:03d}: {error}") from error

    product = registry.write_product(
        collection,
        relative,
        "merged_events",
        write,
        metadata={"run_id": run.run_id, "version": version.version, "downlinks": downlinks},
        inputs=inputs,
    )
    events = open_event_file(registry.absolute_path(product)).rows
    before = previous.events if previous else 0
    MergeVersion.objects.filter(pk=version.pk).update(
        status=MergeVersion.Status.MERGED,
        product=product,
        events=events,
        added=events - before,
        duplicates=before + sum(piece.events for piece in pieces) - events,
        records=records,
        merged_at=timezone.now(),
    )
