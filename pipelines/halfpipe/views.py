"""Downlink pages: the list, one downlink with its live grid of steps (decode per chunk, merge and
Level 1 per run; each square opens the registry's page of its Execution), the data runs with their
merge versions; re-running a failed chunk or run goes through the ledger's retry (which checks the
role), resuming a run held for a livetime source through its service."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor
from l2portal.portal.filtering import filtered_rows
from l2portal.portal.pages import back_url
from l2portal.portal.tables import portal_table

from ..pages import shows_operator_controls
from . import selectors, services
from .filtersets import ChunkFilter, DataRunFilter, DownlinkFilter
from .models import Chunk, DataRun, Downlink
from .tables import ChunkTable, DataRunTable, DownlinkTable, IncomingFolderTable


def downlink_list(request):
    """The downlinks, and the folders under the incoming root not registered yet with why."""
    downlinks = selectors.annotated_downlinks().order_by("-downlink_id")
    filterset = DownlinkFilter(request.GET or None, queryset=downlinks)
    rows = filtered_rows(filterset)
    table = portal_table(request, DownlinkTable, rows)
    if table.wants_csv:
        return table.csv_response()
    arriving = portal_table(request, IncomingFolderTable, selectors.arriving_folders(), prefix="incoming-")
    if arriving.wants_csv:
        return arriving.csv_response()
    context = {"filterset": filterset, "table": table, "arriving": arriving}
    return render(request, "pipelines/downlink_list.html", context)


def _live(request, downlink) -> dict:
    return {**selectors.downlink_live_context(downlink), "operator": shows_operator_controls(request)}


def downlink_detail(request, pk):
    downlink = get_object_or_404(Downlink, pk=pk)
    return render(request, "pipelines/downlink_detail.html", _live(request, downlink))


def downlink_live(request, pk):
    downlink = get_object_or_404(Downlink, pk=pk)
    return render(request, "pipelines/_downlink_live.html", _live(request, downlink))


def chunk_list(request):
    filterset = ChunkFilter(request.GET or None, queryset=selectors.chunk_rows())
    rows = filtered_rows(filterset)
    hidden = () if shows_operator_controls(request) else ("actions",)
    table = portal_table(request, ChunkTable, rows, exclude=hidden)
    if table.wants_csv:
        return table.csv_response()
    intro = "The chunks of every downlink: each is decoded on the workers; its downlink's page shows its log."
    return render(
        request, "pipelines/table_list.html", {"filterset": filterset, "table": table, "intro": intro}
    )


@require_POST
def chunk_retry(request, pk):
    chunk = get_object_or_404(Chunk.objects.select_related("downlink"), pk=pk)
    ledger.retry(chunk, Actor.of_user(request.user))
    messages.success(request, f"Chunk {chunk.number} of {chunk.downlink} queued for decoding again.")
    return redirect(back_url(request, reverse("pipelines:downlink", args=[chunk.downlink_id])))


def data_run_list(request):
    runs = selectors.data_runs_with_versions()
    filterset = DataRunFilter(request.GET or None, queryset=runs)
    rows = filtered_rows(filterset)
    table = portal_table(
        request, DataRunTable, rows, exclude=() if shows_operator_controls(request) else ("actions",)
    )
    if table.wants_csv:
        return table.csv_response()
    return render(request, "pipelines/data_run_list.html", {"filterset": filterset, "table": table})


@require_POST
def data_run_retry(request, pk):
    run = get_object_or_404(DataRun, pk=pk)
    ledger.retry(run, Actor.of_user(request.user))
    messages.success(
        request, f"Run {run} sent back to {run.state_label}; that step runs again on the workers."
    )
    return redirect(back_url(request, "pipelines:data-runs"))


@require_POST
def data_run_resume(request, pk):
    get_object_or_404(DataRun, pk=pk)
    run = services.resume_level1(pk, Actor.of_user(request.user))
    messages.success(request, f"Level 1 of {run} resumed; it runs again on the workers.")
    return redirect(back_url(request, "pipelines:data-runs"))
