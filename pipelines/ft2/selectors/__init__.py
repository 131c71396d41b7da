"""Read models of the FT2 campaigns: campaign progress, run counts, the active BTI set of a run,
whether a campaign run's outputs are complete, the campaign page's figures and pictures.
Submodules: a run's FT2 inputs (ft2_inputs: its previous FT2 through FT2/current, its livetime
table, the runs a campaign discovers), the FSSC's file list against ours (fssc_files), what a
switchover waits for (switchovers), the page of one campaign run (run_page)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from l2portal.registry import services as registry

from ... import conf
from ..models import CAMPAIGN_RUN_MACHINE, BtiSet, CampaignRun, FsscDelivery, ReprocessingCampaign
from .fssc_files import fssc_differences as fssc_differences
from .ft2_inputs import previous_ft2 as previous_ft2
from .run_page import campaign_run_context as campaign_run_context
from .switchovers import switchover_conditions as switchover_conditions
from .velocity_chart import velocity_chart

RUN_DONE_STATES = ("ready", "delivered")
RUN_WORKING_STATES = ("generating", "flagging", "validating")
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
    """Campaigns with their runs counted: ``runs_total``, ``runs_done``, ``runs_failed``,
    ``runs_remaining``, ``runs_working``, ``runs_without_livetime``, and what the rate of the
    current pass is made of (``runs_done_this_pass``, ``last_finished``): see progress_of()."""
    this_pass = Q(campaign_runs__state__in=RUN_DONE_STATES, campaign_runs__finished_at__gte=F("started_at"))
    return (
        ReprocessingCampaign.objects.annotate(
            runs_total=Count("campaign_runs"),
            runs_done=Count("campaign_runs", filter=Q(campaign_runs__state__in=RUN_DONE_STATES)),
            runs_failed=Count("campaign_runs", filter=Q(campaign_runs__state="error")),
            runs_working=Count("campaign_runs", filter=Q(campaign_runs__state__in=RUN_WORKING_STATES)),
            runs_without_livetime=Count("campaign_runs", filter=Q(campaign_runs__livetime_source="none")),
            runs_done_this_pass=Count("campaign_runs", filter=this_pass),
            last_finished=Max("campaign_runs__finished_at", filter=this_pass),
        )
        .annotate(runs_remaining=F("runs_total") - F("runs_done") - F("runs_failed"))
        .order_by("-created_at", "-id")  # a grouped query ignores the model's ordering
    )


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


def progress_of(campaign: ReprocessingCampaign) -> Progress:
    """Progress of a campaign of annotated_campaigns(). Rate: runs finished in the current pass
    over the time since it started; the estimate assumes the rate holds."""
    now = timezone.now()
    rate = eta = None
    remaining = campaign.runs_remaining
    if campaign.runs_done_this_pass and campaign.started_at:
        end = now if remaining else campaign.last_finished
        elapsed = max((end - campaign.started_at).total_seconds(), 1e-3)
        rate = campaign.runs_done_this_pass * 3600.0 / elapsed
        if remaining:
            eta = now + timedelta(hours=remaining / rate)
    return Progress(
        campaign.runs_total,
        campaign.runs_done,
        campaign.runs_failed,
        campaign.runs_working,
        rate,
        eta,
    )


def campaign_progress(campaign: ReprocessingCampaign) -> Progress:
    return progress_of(annotated_campaigns().get(pk=campaign.pk))


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


def campaign_run_rows(campaign: ReprocessingCampaign | None = None):
    """A campaign's runs (every campaign's, without one) with what the tables of runs show."""
    runs = CampaignRun.objects.select_related(
        "campaign", "data_run", "bti_set", "ft2_1s", "ft2_30s", "previous__campaign"
    )
    return runs.filter(campaign=campaign) if campaign is not None else runs


def bti_set_rows():
    """BTI sets, the latest written first, with their intervals counted."""
    return (
        BtiSet.objects.select_related("data_run", "creator")
        .annotate(interval_count=Count("intervals"))
        .order_by("-created_at", "-id")
    )


def fssc_delivery_rows():
    """Files offered to the FSSC, the latest offered first, with their product, campaign and run."""
    return FsscDelivery.objects.select_related(
        "product", "campaign_run__campaign", "campaign_run__data_run"
    ).order_by("-created_at", "-id")


def campaign_live_context(campaign: ReprocessingCampaign) -> dict:
    """The live part of the campaign page but its table of runs: progress, the runs counted by
    state, the strip and the velocity chart over all runs and whether the page should keep
    polling. A constant number of queries, however many runs."""
    runs = CampaignRun.objects.filter(campaign=campaign)
    strip_runs = list(runs.values("state", "data_run__run_id", "velocity_worst"))
    counts = Counter(run["state"] for run in strip_runs)
    progress = campaign_progress(campaign)
    return {
        "campaign": campaign,
        "progress": progress,
        "state_counts": [(value, label, counts[value]) for value, label in CAMPAIGN_RUN_MACHINE.states],
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
