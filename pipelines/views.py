"""Pipelines pages: campaigns with live progress and per-run QA, and the switchover page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger.roles import is_operator
from l2portal.ledger.services import Actor
from l2portal.ledger.states import TransitionNotAllowed

from . import conf, services
from .models import CAMPAIGN_RUN_MACHINE, CampaignRun, ReprocessingCampaign, Switchover

RUNS_PER_PAGE = 100
STRIP_WIDTH = 1000
STRIP_HEIGHT = 18
CHART_HEIGHT = 80


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=32, widget=forms.TextInput(attrs={"placeholder": "P310"}))
    first_run = forms.IntegerField(required=False)
    last_run = forms.IntegerField(required=False)
    run_list = forms.CharField(required=False, help_text="or runs separated by spaces or commas")
    description = forms.CharField(required=False)

    def selection(self) -> dict:
        data = self.cleaned_data
        if data["run_list"]:
            try:
                return {"run_ids": [int(r) for r in data["run_list"].replace(",", " ").split()]}
            except ValueError as error:
                raise forms.ValidationError(f"run list: {error}") from error
        return {"first_run": data["first_run"], "last_run": data["last_run"]}


class SwitchoverForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=ReprocessingCampaign.objects.all(), to_field_name="name")
    proposed_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False)


def _require_operator(request):
    if not is_operator(request.user):
        raise PermissionDenied("only operators steer campaigns")


def campaign_list(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        _require_operator(request)
        if form.is_valid():
            try:
                campaign = services.create_campaign(
                    form.cleaned_data["name"],
                    Actor.of_user(request.user),
                    description=form.cleaned_data["description"],
                    **form.selection(),
                )
            except (services.CampaignError, forms.ValidationError) as error:
                form.add_error(None, error.message if hasattr(error, "message") else str(error))
            else:
                messages.success(request, f"Campaign {campaign} defined over {campaign.runs.count()} runs.")
                return redirect("pipelines:campaign", pk=campaign.pk)
    campaigns = list(ReprocessingCampaign.objects.select_related("collection"))
    progress = services.progress_for(campaigns)
    rows = [(campaign, progress[campaign.pk]) for campaign in campaigns]
    return render(
        request,
        "pipelines/campaign_list.html",
        {"rows": rows, "form": form, "operator": is_operator(request.user)},
    )


def _strip(runs: list[dict]) -> dict:
    """Geometry of the run strip (one cell per run, coloured by state) and of the velocity-check
    bars (worst deviation per run against the tolerance)."""
    tolerance = conf.velocity_tolerance()
    width = STRIP_WIDTH / max(len(runs), 1)
    worst = max([r["velocity_worst"] or 0 for r in runs] + [tolerance])
    scale = CHART_HEIGHT / worst
    cells = [
        {
            "x": round(i * width, 2),
            "width": round(max(width - 1, 0.5), 2),
            "state": run["state"],
            "run_id": run["data_run__run_id"],
            "deviation": run["velocity_worst"],
            "bar": round((run["velocity_worst"] or 0) * scale, 2),
            "bar_y": round(CHART_HEIGHT - (run["velocity_worst"] or 0) * scale, 2),
            "over": (run["velocity_worst"] or 0) > tolerance,
        }
        for i, run in enumerate(runs)
    ]
    return {
        "cells": cells,
        "width": STRIP_WIDTH,
        "height": STRIP_HEIGHT,
        "chart_height": CHART_HEIGHT,
        "tolerance": tolerance,
        "tolerance_y": round(CHART_HEIGHT - tolerance * scale, 2),
        "states": CAMPAIGN_RUN_MACHINE.states,
    }


def _live_context(request, campaign: ReprocessingCampaign) -> dict:
    runs = CampaignRun.objects.filter(campaign=campaign).select_related(
        "data_run", "bti_set", "ft2_1s", "ft2_30s", "previous__campaign"
    )
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    strip_runs = list(runs.values("state", "data_run__run_id", "velocity_worst"))
    progress = services.campaign_progress(campaign)
    return {
        "campaign": campaign,
        "progress": progress,
        "page": page,
        "strip": _strip(strip_runs),
        "live": campaign.state == "running" or progress.working > 0,
        "operator": is_operator(request.user),
    }


def campaign_detail(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign.objects.select_related("collection"), pk=pk)
    return render(request, "pipelines/campaign_detail.html", _live_context(request, campaign))


def campaign_live(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    return render(request, "pipelines/_campaign_live.html", _live_context(request, campaign))


@require_POST
def campaign_start(request, pk):
    _require_operator(request)
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    try:
        result = services.start_campaign(campaign, Actor.of_user(request.user))
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Pass {result['pass']}: {result['queued'] + result['retried']} runs queued, "
            f"{result['skipped']} complete runs skipped.",
        )
    return redirect("pipelines:campaign", pk=pk)


@require_POST
def run_retry(request, pk):
    _require_operator(request)
    run = get_object_or_404(CampaignRun.objects.select_related("data_run"), pk=pk)
    try:
        services.ledger.retry(run, Actor.of_user(request.user))
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Run {run.data_run} sent back to the step that failed.")
    return redirect("pipelines:campaign", pk=run.campaign_id)


def switchovers(request):
    form = SwitchoverForm(request.POST or None)
    if request.method == "POST":
        _require_operator(request)
        if form.is_valid():
            services.propose_switchover(
                form.cleaned_data["campaign"],
                form.cleaned_data["proposed_date"],
                Actor.of_user(request.user),
                form.cleaned_data["note"],
            )
            messages.success(request, "Switchover proposed; the FSSC agrees through the API.")
            return redirect("pipelines:switchovers")
    records = Switchover.objects.select_related("campaign").prefetch_related(
        Prefetch("transitions", queryset=Switchover.transition_model().objects.order_by("at", "id"))
    )
    return render(
        request,
        "pipelines/switchovers.html",
        {"switchovers": records, "form": form, "operator": is_operator(request.user)},
    )


STEPS = {
    "agree": lambda s, request: services.agree_switchover(s, request.user),
    "done": lambda s, request: services.complete_switchover(s, Actor.of_user(request.user)),
    "cancel": lambda s, request: services.cancel_switchover(s, Actor.of_user(request.user), "cancelled"),
}


@require_POST
def switchover_step(request, pk, step):
    _require_operator(request)
    switchover = get_object_or_404(Switchover.objects.select_related("campaign"), pk=pk)
    if step not in STEPS:
        raise Http404(f"no switchover step {step}")
    try:
        STEPS[step](switchover, request)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    return redirect("pipelines:switchovers")
