"""Read models of the pipelines app: campaign progress, run counts, the active BTI set of a run,
whether a campaign run's outputs are complete, the campaign page's figures and pictures, and the
downlink pages (the grid of chunk, merge and Level-1 steps; runs with their merge versions).
Submodules: a run's FT2 inputs (ft2_inputs: its previous FT2 through FT2/current, its livetime
table, the runs a campaign discovers), the FSSC's file list against ours (fssc_files), what a
switchover waits for (switchovers), the page of one campaign run (run_page)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from l2portal.ledger.models import Execution
from l2portal.registry import services as registry

from .. import conf
from ..models import (
    CAMPAIGN_RUN_MACHINE,
    BtiSet,
    CampaignRun,
    Chunk,
    DataRun,
    Downlink,
    MergeVersion,
    ReprocessingCampaign,
)
from .fssc_files import fssc_differences as fssc_differences
from .ft2_inputs import previous_ft2 as previous_ft2
from .history import error_reasons, executions_of
from .history import with_error_reasons as with_error_reasons
from .run_grid import CELL_STATES, run_grid
from .run_page import campaign_run_context as campaign_run_context
from .switchovers import Condition as Condition
from .switchovers import switchover_conditions as switchover_conditions
from .velocity_chart import velocity_chart

RUN_DONE_STATES = ("ready", "delivered")
RUN_WORKING_STATES = ("generating", "flagging", "validating")
RUNS_PER_PAGE = 100
STRIP_WIDTH = 1000
STRIP_HEIGHT = 18


# --- BTI sets ---------------------------------------------------------------------------------


def active_bti_set(data_run_id: int) -> BtiSet | None:
    """The most recently submitted set of the run, or None."""
    return (
        BtiSet.objects.filter(data_run_id=data_run_id, submitted_at__isnull=False)
        .order_by("-submitted_at", "-version")
        .first()
    )


def active_bti_subquery():
    """The pk of the active BTI set of the row's ``data_run``, for annotations."""
    return Subquery(
        BtiSet.objects.filter(data_run=OuterRef("data_run"), submitted_at__isnull=False)
        .order_by("-submitted_at", "-version")
        .values("pk")[:1]
    )


def bti_sets():
    """BTI sets with their run, intervals and ``active_id`` (the run's active set)."""
    return (
        BtiSet.objects.select_related("data_run")
        .prefetch_related("intervals")
        .annotate(active_id=active_bti_subquery())
    )


# --- campaigns and their runs -----------------------------------------------------------------


def annotated_campaigns():
    """Campaigns with ``runs_total``, ``runs_done``, ``runs_failed`` and ``runs_without_livetime``."""
    return ReprocessingCampaign.objects.annotate(
        runs_total=Count("campaign_runs"),
        runs_done=Count("campaign_runs", filter=Q(campaign_runs__state__in=RUN_DONE_STATES)),
        runs_failed=Count("campaign_runs", filter=Q(campaign_runs__state="error")),
        runs_without_livetime=Count("campaign_runs", filter=Q(campaign_runs__livetime_source="none")),
    ).order_by("-created_at", "-id")  # a grouped query ignores the model's ordering


def runs_with_outputs(campaign: ReprocessingCampaign):
    """The campaign's runs with their products and ``active_bti`` (pk of the run's active set)."""
    return campaign.campaign_runs.select_related(
        "data_run", "ft2_1s_unflagged", "ft2_30s_unflagged", "ft2_1s", "ft2_30s"
    ).annotate(active_bti=active_bti_subquery())


def outputs_complete(run: CampaignRun, active_bti_id: int | None) -> bool:
    """All four files registered and on disk at their size, validated, flagged with the active set."""
    products = (run.ft2_1s_unflagged, run.ft2_30s_unflagged, run.ft2_1s, run.ft2_30s)
    if any(p is None for p in products) or run.qa_passed is not True or run.bti_set_id != active_bti_id:
        return False
    for product in products:
        path = registry.absolute_path(product)
        if not path.is_file() or path.stat().st_size != product.size:
            return False
    return True


def previous_version(run: CampaignRun) -> CampaignRun | None:
    """The same data run in the latest earlier campaign that finished it."""
    return (
        CampaignRun.objects.filter(
            data_run_id=run.data_run_id,
            campaign__created_at__lt=run.campaign.created_at,
            state__in=RUN_DONE_STATES,
            ft2_1s_unflagged__isnull=False,
        )
        .select_related("campaign", "ft2_1s_unflagged", "ft2_30s_unflagged")
        .order_by("-campaign__created_at")
        .first()
    )


# --- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    failed: int
    working: int
    done_this_pass: int
    rate_per_hour: float | None
    eta: datetime | None

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def failed_percent(self) -> int:
        return round(100 * self.failed / self.total) if self.total else 0


def progress_for(campaigns) -> dict[int, Progress]:
    """Progress of many campaigns in one grouped query. Rate: runs finished in the current pass
    over the time since it started; the estimate assumes the rate holds."""
    campaigns = {c.pk: c for c in campaigns}
    this_pass = Q(state__in=RUN_DONE_STATES, finished_at__gte=F("campaign__started_at"))
    rows = (
        CampaignRun.objects.filter(campaign_id__in=campaigns)
        .values("campaign_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(state__in=RUN_DONE_STATES)),
            failed=Count("pk", filter=Q(state="error")),
            working=Count("pk", filter=Q(state__in=RUN_WORKING_STATES)),
            done_this_pass=Count("pk", filter=this_pass),
            last_finished=Max("finished_at", filter=this_pass),
        )
        .order_by()
    )
    found = {row["campaign_id"]: row for row in rows}
    now = timezone.now()
    result = {}
    for pk, campaign in campaigns.items():
        row = found.get(pk, {"total": 0, "done": 0, "failed": 0, "working": 0, "done_this_pass": 0})
        rate = eta = None
        remaining = row["total"] - row["done"] - row["failed"]
        if row["done_this_pass"] and campaign.started_at:
            end = now if remaining else row["last_finished"]
            elapsed = max((end - campaign.started_at).total_seconds(), 1e-3)
            rate = row["done_this_pass"] * 3600.0 / elapsed
            if remaining:
                eta = now + timedelta(hours=remaining / rate)
        result[pk] = Progress(
            row["total"], row["done"], row["failed"], row["working"], row["done_this_pass"], rate, eta
        )
    return result


def campaign_progress(campaign: ReprocessingCampaign) -> Progress:
    return progress_for([campaign])[campaign.pk]


# --- the campaign page ------------------------------------------------------------------------


def run_strip(runs: list[dict]) -> dict:
    """Geometry of the run strip: one cell per run, coloured by state; ``runs`` are dicts with
    ``state`` and ``data_run__run_id``."""
    width = STRIP_WIDTH / max(len(runs), 1)
    cells = [
        {
            "x": round(i * width, 2),
            "width": round(max(width - 1, 0.5), 2),
            "state": run["state"],
            "run_id": run["data_run__run_id"],
        }
        for i, run in enumerate(runs)
    ]
    states = CAMPAIGN_RUN_MACHINE.states
    return {"cells": cells, "width": STRIP_WIDTH, "height": STRIP_HEIGHT, "states": states}


def campaign_live_context(campaign: ReprocessingCampaign, page_number, state: str = "") -> dict:
    """The live part of the campaign page: progress, one page of runs (those in ``state`` if it
    is one of a run's states) with their grid of steps, the strip over all runs and whether the
    page should keep polling. A constant number of queries, however many runs."""
    runs = CampaignRun.objects.filter(campaign=campaign).select_related(
        "data_run", "bti_set", "ft2_1s", "ft2_30s", "previous__campaign"
    )
    state = state if state in dict(CAMPAIGN_RUN_MACHINE.states) else ""
    page = Paginator(runs.filter(state=state) if state else runs, RUNS_PER_PAGE).get_page(page_number)
    run_grid(list(page))
    for run in page:
        run.products_shown = [p for p in (run.ft2_1s, run.ft2_30s) if p is not None]
    strip_runs = list(runs.values("state", "data_run__run_id", "velocity_worst"))
    counts = Counter(run["state"] for run in strip_runs)
    progress = campaign_progress(campaign)
    return {
        "campaign": campaign,
        "progress": progress,
        "page": page,
        "state": state,
        "cell_states": CELL_STATES.values(),
        "page_query": f"state={state}&" if state else "",
        "state_counts": [(value, label, counts[value]) for value, label in CAMPAIGN_RUN_MACHINE.states],
        "failed_on_page": [run for run in page if run.state == "error"],
        "strip": run_strip(strip_runs),
        "velocity": velocity_chart(strip_runs, conf.velocity_tolerance()),
        "tolerance": conf.velocity_tolerance(),
        "live": campaign.state == "running" or progress.working > 0,
        "without_livetime": runs.filter(livetime_source="none").count(),
        "modes": dict(
            runs.exclude(mode="")
            .values_list("mode")
            .annotate(count=Count("pk"))
            .order_by()
            .values_list("mode", "count")
        ),
        "fssc": fssc_differences(campaign),
    }


# --- downlinks and data runs (HalfPipe) -------------------------------------------------------

DOWNLINK_LIVE_STATES = ("received", "chunking", "chunks_done", "merging")
RUN_WORKING = ("merging", "merged", "level1_running")


def annotated_downlinks():
    """Downlinks with ``chunks_done``, ``chunks_failed`` and ``runs_count``."""
    return Downlink.objects.annotate(
        chunks_done=Count("chunks", filter=Q(chunks__state="done"), distinct=True),
        chunks_failed=Count("chunks", filter=Q(chunks__state="error"), distinct=True),
        runs_count=Count("merge_versions", distinct=True),
    )


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
    chunks = list(downlink.chunks.order_by("number"))
    versions = list(
        downlink.merge_versions.select_related("data_run", "product").order_by("data_run__run_id")
    )
    runs = [v.data_run for v in versions]
    chunk_runs = executions_of(Chunk, [c.pk for c in chunks])
    run_runs = executions_of(DataRun, [r.pk for r in runs])
    chunk_errors = error_reasons(Chunk, [c.pk for c in chunks if c.state == "error"])
    run_errors = error_reasons(DataRun, [r.pk for r in runs if r.state == "error"])

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
            "error" if run.state == "error" and merged else ("running" if merged else "queued")
        )  # fmt: skip
        merge.append(
            cell(f"{run} v{version.version:03d}", merge_state, f"merge {run} v{version.version:03d}", found)
        )
        level1.append(cell(str(run), level1_state, f"Level 1 of {run}", found))
    failures = [(f"chunk {c.number}", chunk_errors.get(c.pk, ""), c) for c in chunks if c.state == "error"]
    failures += [(str(r), run_errors.get(r.pk, ""), r) for r in runs if r.state == "error"]
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
    """The runs downlinks added to, newest first."""
    return runs_with_versions().exclude(versions=None).order_by("-run_id")
