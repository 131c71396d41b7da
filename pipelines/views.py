"""Pipelines pages: campaigns with live progress, per-run QA, the FSSC's file list and backfill;
one campaign run with its files, provenance and comparison; the switchover page with its conditions.

Steering goes through pipelines.services, which check roles; a refusal reaches the ledger's
RefusalMiddleware, which shows its message on the page the form was sent from (its ``next``).
The ``operator`` flag only decides which forms and buttons a page shows."""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger import services as ledger
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor

from . import conf, selectors, services
from .models import CampaignRun, ReprocessingCampaign, Switchover
from .science import ft2science


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=32, widget=forms.TextInput(attrs={"placeholder": "P310"}))
    first_run = forms.IntegerField(required=False)
    last_run = forms.IntegerField(required=False)
    run_list = forms.CharField(required=False, help_text="or runs separated by spaces or commas")
    description = forms.CharField(required=False)
    definitions = forms.ChoiceField(choices=[], required=False)
    mode = forms.ChoiceField(
        choices=[
            ("", "carry forward where a previous FT2 is registered"),
            *ReprocessingCampaign.Mode.choices,
        ],
        required=False,
    )
    livetime_source = forms.ChoiceField(
        choices=[("", "from the settings"), *ReprocessingCampaign.LivetimeSource.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["definitions"].choices = [(name, name) for name in ft2science.available()]
        self.fields["definitions"].initial = conf.ft2_definitions()

    def options(self) -> dict:
        return {key: self.cleaned_data[key] or None for key in ("definitions", "mode", "livetime_source")}

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
    l1_software = forms.CharField(
        max_length=128,
        label="L1 switches to",
        widget=forms.TextInput(attrs={"placeholder": "GlastRelease 20-10-04"}),
    )
    l1_from = forms.DateTimeField(
        label="from (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(required=False)


class BackfillForm(forms.Form):
    last_run = forms.IntegerField(min_value=0, max_value=2**62, label="up to run")


def _shows_operator_controls(request) -> bool:
    """Whether the page offers operators' forms and buttons (the services decide what is allowed)."""
    return Actor.of_user(request.user).has_role(OPERATOR)


def campaign_list(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            selection = form.selection()
        except forms.ValidationError as error:
            form.add_error(None, error)
        else:
            campaign = services.create_campaign(
                form.cleaned_data["name"],
                Actor.of_user(request.user),
                description=form.cleaned_data["description"],
                **form.options(),
                **selection,
            )
            messages.success(request, f"Campaign {campaign} defined over {campaign.runs.count()} runs.")
            return redirect("pipelines:campaign", pk=campaign.pk)
    campaigns = list(ReprocessingCampaign.objects.select_related("collection"))
    progress = selectors.progress_for(campaigns)
    rows = [(campaign, progress[campaign.pk]) for campaign in campaigns]
    return render(
        request,
        "pipelines/campaign_list.html",
        {"rows": rows, "form": form, "operator": _shows_operator_controls(request)},
    )


def _live_context(request, campaign: ReprocessingCampaign) -> dict:
    return {
        **selectors.campaign_live_context(campaign, request.GET.get("page"), request.GET.get("state", "")),
        "operator": _shows_operator_controls(request),
        "backfill_form": BackfillForm(),
    }


def campaign_detail(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign.objects.select_related("collection"), pk=pk)
    context = {**_live_context(request, campaign), "versions": ft2science.versions(campaign.definitions)}
    return render(request, "pipelines/campaign_detail.html", context)


def campaign_live(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    return render(request, "pipelines/_campaign_live.html", _live_context(request, campaign))


@require_POST
def campaign_start(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    result = services.start_campaign(campaign, Actor.of_user(request.user))
    messages.success(
        request,
        f"Pass {result['pass']}: {result['queued']} runs sent to the workers, {result['retried']} failed "
        f"runs sent back to their step, {result['skipped']} complete runs skipped.",
    )
    return redirect("pipelines:campaign", pk=pk)


@require_POST
def campaign_retry_runs(request, pk):
    """Retry the failed runs ticked on the campaign page (data run ids), all or none."""
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    run_ids = [int(value) for value in request.POST.getlist("run") if value.isdigit()]
    result = services.retry_failed_runs(campaign, run_ids, Actor.of_user(request.user))
    messages.success(
        request,
        f"{len(result['retried'])} failed runs sent back to the step each failed in; "
        "their progress shows below.",
    )
    return redirect("pipelines:campaign", pk=pk)


@require_POST
def campaign_backfill(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    form = BackfillForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Backfill: give the run it reaches ({form.errors.as_text()})")
        return redirect("pipelines:campaign", pk=pk)
    result = services.backfill_campaign(campaign, form.cleaned_data["last_run"], Actor.of_user(request.user))
    messages.success(
        request, f"Backfill pass {result['pass']}: {result['added']} runs joined and were queued."
    )
    return redirect("pipelines:campaign", pk=pk)


def run_detail(request, pk):
    try:
        context = selectors.campaign_run_context(pk)
    except CampaignRun.DoesNotExist as missing:
        raise Http404(f"no campaign run {pk}") from missing
    return render(
        request, "pipelines/run_detail.html", {**context, "operator": _shows_operator_controls(request)}
    )


@require_POST
def run_offer(request, pk):
    run = get_object_or_404(CampaignRun.objects.select_related("data_run", "ft2_1s", "ft2_30s"), pk=pk)
    services.offer_run_to_fssc(run, Actor.of_user(request.user))
    messages.success(request, f"Run {run.data_run}'s files are offered to the FSSC.")
    return redirect("pipelines:run", pk=pk)


@require_POST
def run_retry(request, pk):
    run = get_object_or_404(CampaignRun.objects.select_related("data_run"), pk=pk)
    ledger.retry(run, Actor.of_user(request.user))
    messages.success(
        request, f"Run {run.data_run} sent back to {run.state_label}; that step runs again on the workers."
    )
    return redirect("pipelines:campaign", pk=run.campaign_id)


def switchovers(request):
    form = SwitchoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.propose_switchover(
            form.cleaned_data["campaign"],
            form.cleaned_data["proposed_date"],
            Actor.of_user(request.user),
            form.cleaned_data["note"],
            l1_software=form.cleaned_data["l1_software"],
            l1_from=form.cleaned_data["l1_from"],
        )
        messages.success(request, "Switchover proposed; the FSSC agrees through the API.")
        return redirect("pipelines:switchovers")
    records = Switchover.objects.select_related("campaign").prefetch_related(
        Prefetch("transitions", queryset=Switchover.transition_model().objects.order_by("at", "id"))
    )
    # Conditions of the open switchovers only: there are a few at a time.
    shown = [
        (s, selectors.switchover_conditions(s) if s.state not in ("done", "cancelled") else [])
        for s in records
    ]
    return render(
        request,
        "pipelines/switchovers.html",
        {"switchovers": shown, "form": form, "operator": _shows_operator_controls(request)},
    )


STEPS = {
    "agree": services.agree_switchover,
    "l1-switch": services.record_l1_switch,
    "done": services.complete_switchover,
    "cancel": services.cancel_switchover,
}


@require_POST
def switchover_step(request, pk, step):
    switchover = get_object_or_404(Switchover.objects.select_related("campaign"), pk=pk)
    if step not in STEPS:
        raise Http404(f"no switchover step {step}")
    STEPS[step](switchover, Actor.of_user(request.user))
    return redirect("pipelines:switchovers")
