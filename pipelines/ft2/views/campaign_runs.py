"""The runs of every campaign; one campaign run's page (its files, provenance and comparison); offer
it to the FSSC, retry it."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor
from l2portal.portal.filtering import filtered_rows
from l2portal.portal.tables import portal_table

from ...pages import shows_operator_controls
from .. import selectors, services
from ..filtersets import CampaignRunFilter
from ..models import CampaignRun
from ..tables import AllCampaignRunTable

INTRO = "The runs of every campaign, each with its grid of steps (a square opens that step's log)."


def run_list(request):
    filterset = CampaignRunFilter(request.GET or None, queryset=selectors.campaign_run_rows())
    rows = filtered_rows(filterset)
    operator = shows_operator_controls(request)
    # Ticking runs to retry them together is the campaign page's; a row's retry is operators'.
    hidden = ("select",) if operator else ("select", "actions")
    table = portal_table(request, AllCampaignRunTable, rows, exclude=hidden)
    if table.wants_csv:
        return table.csv_response()
    return render(
        request, "pipelines/table_list.html", {"filterset": filterset, "table": table, "intro": INTRO}
    )


def run_detail(request, pk):
    try:
        context = selectors.campaign_run_context(pk)
    except CampaignRun.DoesNotExist as missing:
        raise Http404(f"no campaign run {pk}") from missing
    return render(
        request, "pipelines/run_detail.html", {**context, "operator": shows_operator_controls(request)}
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
