"""Read models of HalfPipe: downlinks with their chunks counted, the folders arriving, the downlink
page (the grid of chunk, merge and Level-1 steps, what failed and why), data runs with their merge
versions; and what ran for tracked objects, read for many at once (their latest Execution and
number of tries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery

from l2portal.ledger.models import Execution
from l2portal.ledger.selectors import with_failure_reasons

from .models import Chunk, DataRun, DataRunTransition, Downlink, IncomingFolder, MergeVersion

DOWNLINK_LIVE_STATES = ("received", "chunking", "chunks_done", "merging")
RUN_WORKING = ("merging", "merged", "level1_running")
HELD = "no_livetime_source"  # a run whose Level 1 waits for a livetime source


def annotated_downlinks():
    """Downlinks with ``chunks_done``, ``chunks_failed`` and ``runs_count``."""
    return Downlink.objects.annotate(
        chunks_done=Count("chunks", filter=Q(chunks__state="done"), distinct=True),
        chunks_failed=Count("chunks", filter=Q(chunks__state="error"), distinct=True),
        runs_count=Count("merge_versions", distinct=True),
    )


def arriving_folders():
    """Folders the scan of the incoming root has seen and not registered (incomplete, settling or
    refused), oldest first."""
    return IncomingFolder.objects.exclude(status=IncomingFolder.Status.REGISTERED).order_by("first_seen_at")


def chunk_rows():
    """Chunks of every downlink, the latest downlink first, in their order."""
    return Chunk.objects.select_related("downlink").order_by("-downlink__downlink_id", "number")


@dataclass(frozen=True)
class GridCell:
    """One square of the downlink's grid (Airflow's grid view): a chunk, a merge or a Level 1."""

    label: str
    state: str
    title: str
    execution: Execution | None
    tries: int

    @property
    def duration(self) -> str:
        duration = self.execution.duration if self.execution else None
        return f"{duration.total_seconds():.1f} s" if duration else "—"

    @property
    def worker(self) -> str:
        return (self.execution.worker or self.execution.host) if self.execution else "—"


def downlink_live_context(downlink: Downlink) -> dict:
    """The live part of a downlink page: figures, the grid (decode per chunk; merge and Level 1 per
    run it touched), what failed and why. A constant number of queries, however many chunks."""
    chunks = list(with_failure_reasons(downlink.chunks.order_by("number")))
    versions = list(
        downlink.merge_versions.select_related("data_run", "product").order_by("data_run__run_id")
    )
    runs = [v.data_run for v in versions]
    chunk_runs = executions_of(Chunk, [c.pk for c in chunks])
    run_runs = executions_of(DataRun, [r.pk for r in runs])

    def cell(label, state, title, found):
        return GridCell(label, state, title, found.get("execution"), found.get("tries", 0))

    decode = [
        cell(str(c.number), c.state, f"chunk {c.number}: {c.state_label}", chunk_runs.get(str(c.pk), {}))
        for c in chunks
    ]
    merge, level1 = [], []
    for version in versions:
        run, found = version.data_run, run_runs.get(str(version.data_run.pk), {})
        merged = version.status != "planned"
        merge_state = "done" if merged else ("error" if run.state == "error" else "running")
        level1_state = "done" if version.status == "level1_done" else (
            "error" if run.state == "error" and merged else (
                "held" if run.state == HELD and merged else ("running" if merged else "queued")
            )
        )  # fmt: skip
        merge.append(
            cell(f"{run} v{version.version:03d}", merge_state, f"merge {run} v{version.version:03d}", found)
        )
        held = ": held, no livetime source" if level1_state == "held" else ""
        level1.append(cell(str(run), level1_state, f"Level 1 of {run}{held}", found))
    failed_runs = with_failure_reasons(DataRun.objects.filter(pk__in=[r.pk for r in runs], state="error"))
    failures = [(f"chunk {c.number}", c.failure_reason, c) for c in chunks if c.state == "error"]
    failures += [(str(r), r.failure_reason, r) for r in failed_runs.order_by("run_id")]
    done = sum(c.state == "done" for c in chunks)
    return {
        "downlink": downlink,
        "grid": [("decode", decode), ("merge", merge), ("level 1", level1)],
        "versions": versions,
        "failures": failures,
        "chunks_done": done,
        "chunks_total": len(chunks),
        "percent": round(100 * done / len(chunks)) if chunks else 0,
        "live": downlink.state in DOWNLINK_LIVE_STATES or any(r.state in RUN_WORKING for r in runs),
    }


def runs_with_versions():
    """Data runs with their merge versions (events, duplicates, files)."""
    versions = MergeVersion.objects.select_related("downlink", "product", "level1_ft1").order_by("version")
    return DataRun.objects.prefetch_related(Prefetch("versions", queryset=versions))


def data_runs_with_versions():
    """The runs downlinks added to, newest first, with ``hold_reason``: why the run was last held
    (what to provide), for the held ones to show."""
    held = DataRunTransition.objects.filter(subject=OuterRef("pk"), to_state=HELD).order_by("-at", "-id")
    return (
        runs_with_versions()
        .exclude(versions=None)
        .annotate(hold_reason=Subquery(held.values("reason")[:1]))
        .order_by("-run_id")
    )


def executions_of(model, pks) -> dict[str, dict]:
    """Per subject pk (as text): ``tries`` and the latest Execution (two queries, whatever the count)."""
    subject_type = ContentType.objects.get_for_model(model)
    ids = [str(pk) for pk in pks]
    found = (
        Execution.objects.filter(subject_type=subject_type, subject_id__in=ids)
        .values("subject_id")
        .annotate(tries=Count("pk"), latest=Max("pk"))
        .order_by()
    )
    by_subject = {row["subject_id"]: row for row in found}
    latest = Execution.objects.in_bulk([row["latest"] for row in by_subject.values()])
    return {
        sid: {"tries": row["tries"], "execution": latest[row["latest"]]} for sid, row in by_subject.items()
    }
