"""Campaign pages: the list (define one there), one campaign with its live progress, its runs' grid,
the FSSC's file list; start, re-run, backfill, retry the selected failed runs. Steering goes
through the services, which check roles; a refusal reaches RefusalMiddleware, which shows its
message on the page the form was sent from (its ``next``)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger.services import Actor
from l2portal.portal.filtering import filtered_rows
from l2portal.portal.tables import portal_table

from ... import conf
from ...pages import shows_operator_controls
from ...science import ft2science
from ...science.runs import parse_run_list
from .. import selectors, services
from ..filtersets import CampaignRunFilter, ReprocessingCampaignFilter
from ..models import ReprocessingCampaign
from ..selectors.run_grid import CELL_STATES
from ..tables import CampaignRunTable, ReprocessingCampaignTable


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
                return {"run_ids": parse_run_list(data["run_list"])}
            except ValueError as error:
                raise forms.ValidationError(f"run list: {error}") from None
        return {"first_run": data["first_run"], "last_run": data["last_run"]}


class BackfillForm(forms.Form):
    last_run = forms.IntegerField(
        min_value=0,
        max_value=2**62,
        label="up to run (MET)",
        widget=forms.NumberInput(attrs={"placeholder": "e.g. 546407418"}),
    )


def campaign_list(request):
    form = CampaignForm(request.POST or None, auto_id="campaign-%s")  # the filters' fields are id_*
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
    filterset = ReprocessingCampaignFilter(request.GET or None, queryset=selectors.annotated_campaigns())
    rows = filtered_rows(filterset)
    table = portal_table(request, ReprocessingCampaignTable, rows)
    if table.wants_csv:
        return table.csv_response()
    return render(
        request,
        "pipelines/campaign_list.html",
        {
            "filterset": filterset,
            "table": table,
            "form": form,
            "operator": shows_operator_controls(request),
        },
    )


def _runs_table(request, campaign: ReprocessingCampaign, operator: bool) -> CampaignRunTable:
    filterset = CampaignRunFilter(request.GET or None, queryset=selectors.campaign_run_rows(campaign))
    rows = filtered_rows(filterset)
    table = portal_table(request, CampaignRunTable, rows)
    if not (operator and table.failed_on_page):
        table.columns.hide("select")
    if not operator:
        table.columns.hide("actions")
    return table


def _live_context(request, campaign: ReprocessingCampaign, table: CampaignRunTable, operator: bool) -> dict:
    query = request.GET.copy()
    query[table.prefixed_page_field] = table.page.number
    return {
        **selectors.campaign_live_context(campaign),
        "table": table,
        "state": request.GET.get("state", ""),
        "live_query": query.urlencode(),
        "cell_states": CELL_STATES.values(),
        "operator": operator,
        "backfill_form": BackfillForm(),
    }


def campaign_detail(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign.objects.select_related("collection"), pk=pk)
    operator = shows_operator_controls(request)
    table = _runs_table(request, campaign, operator)
    if table.wants_csv:
        return table.csv_response()
    context = {
        **_live_context(request, campaign, table, operator),
        "versions": ft2science.versions(campaign.definitions),
    }
    return render(request, "pipelines/campaign_detail.html", context)


def campaign_live(request, pk):
    campaign = get_object_or_404(ReprocessingCampaign, pk=pk)
    operator = shows_operator_controls(request)
    table = _runs_table(request, campaign, operator)
    return render(request, "pipelines/_campaign_live.html", _live_context(request, campaign, table, operator))


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
        given = request.POST.get("last_run", "")
        messages.error(
            request,
            f"Backfill: {given!r} is not a run; give the last run to reach by its MET (its start in "
            "mission seconds, a whole number such as 546407418). Nothing changed.",
        )
        return redirect("pipelines:campaign", pk=pk)
    result = services.backfill_campaign(campaign, form.cleaned_data["last_run"], Actor.of_user(request.user))
    messages.success(
        request, f"Backfill pass {result['pass']}: {result['added']} runs joined and were queued."
    )
    return redirect("pipelines:campaign", pk=pk)
