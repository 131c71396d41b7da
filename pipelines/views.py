"""Pipelines pages: campaigns with live progress and per-run QA, and the switchover page.

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

from . import selectors, services
from .models import CampaignRun, ReprocessingCampaign, Switchover


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
        **selectors.campaign_live_context(campaign, request.GET.get("page")),
        "operator": _shows_operator_controls(request),
    }


def campaign_detail(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign.objects.select_related("collection"), pk=pk)
    return render(request, "pipelines/campaign_detail.html", _live_context(request, campaign))


def campaign_live(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    return render(request, "pipelines/_campaign_live.html", _live_context(request, campaign))


@require_POST
def campaign_start(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    result = services.start_campaign(campaign, Actor.of_user(request.user))
    messages.success(
        request,
        f"Pass {result['pass']}: {result['queued'] + result['retried']} runs queued, "
        f"{result['skipped']} complete runs skipped.",
    )
    return redirect("pipelines:campaign", pk=pk)


@require_POST
def run_retry(request, pk):
    run = get_object_or_404(CampaignRun.objects.select_related("data_run"), pk=pk)
    ledger.retry(run, Actor.of_user(request.user))
    messages.success(request, f"Run {run.data_run} sent back to the step that failed.")
    return redirect("pipelines:campaign", pk=run.campaign_id)


def switchovers(request):
    form = SwitchoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
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
        {"switchovers": records, "form": form, "operator": _shows_operator_controls(request)},
    )


STEPS = {
    "agree": services.agree_switchover,
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
