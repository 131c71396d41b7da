"""One campaign run's page (its files, provenance and comparison); offer it to the FSSC, retry it."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor

from ...pages import shows_operator_controls
from .. import selectors, services
from ..models import CampaignRun


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
