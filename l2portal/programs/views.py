"""Scientists' pages: program list, program page, queue, scans. Actions call the services, which
check roles; a refusal is shown at the top of the page the user came from."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from l2portal.ledger import services as ledger
from l2portal.ledger.pages import back_url, refusal_redirect
from l2portal.ledger.refusals import InvalidRequest, Refused
from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.ledger.services import Actor

from . import selectors, services
from .filtersets import ObservingProgramFilter
from .models import ObservingProgram

PAGE_SIZE = 50
SORTS = {
    "priority": ("-priority", "execution_id"),
    "newest": ("-last_changed", "execution_id"),
    "oldest": ("last_changed", "execution_id"),
    "changed": ("-state_changed_at", "execution_id"),
    "ready": ("ready_at", "execution_id"),
}


def list_programs(request):
    base = ObservingProgram.objects.select_related("owner")
    filters = ObservingProgramFilter(request.GET, queryset=base)
    programs = filters.qs if filters.is_valid() else base.none()
    # Counts per state under the other filters, so the state links show what they would give.
    without_state = request.GET.copy()
    without_state.pop("state", None)
    others = ObservingProgramFilter(without_state, queryset=ObservingProgram.objects.all())
    counted = selectors.state_counts(others.qs) if others.is_valid() else {}
    sort = request.GET.get("sort", "priority")
    page = Paginator(programs.order_by(*SORTS.get(sort, SORTS["priority"])), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programs/list.html",
        {
            "page": page,
            "filters": request.GET,
            "sort": sort,
            "sorts": SORTS,
            "states": selectors.states_with_counts(counted),
            "total": sum(counted.values()),
            "query": query.urlencode(),
            "state_query": without_state.urlencode(),
        },
    )


def queue(request):
    """Next up for scientists: preprocessed programs by priority, and the user's own work."""
    context = {
        **selectors.queue(request.user),
        "is_scientist": Actor.of_user(request.user).has_role(SCIENTIST),
    }
    return render(request, "programs/queue.html", context)


def detail(request, pk):
    program = get_object_or_404(ObservingProgram.objects.select_related("owner", "manifest"), pk=pk)
    actor = Actor.of_user(request.user)
    is_operator, is_scientist = actor.has_role(OPERATOR), actor.has_role(SCIENTIST)
    owner = services.owns(program, actor)
    # Which buttons to show; the services decide what is allowed.
    can = {
        "claim": is_scientist and program.state == "preprocessed" and program.owner_id is None,
        "release": program.state == "working" and (owner or is_operator),
        "upload": program.state == "working" and owner,
        "reassign": is_operator and program.state in ("preprocessed", "working"),
        "publish": is_operator and program.state == "inverted",
        "preprocess": is_operator and program.state in ("invertible", "preprocessed"),
        "retry": is_operator and program.state == "error",
        "requalify": is_operator,
        "priority": is_operator,
        "notes": is_operator or is_scientist,
    }
    return render(request, "programs/detail.html", {**selectors.program_page(program), "can": can})


def progress(request, pk):
    program = get_object_or_404(ObservingProgram, pk=pk)
    return render(request, "programs/_progress.html", {"program": program})


def scans(request):
    context = {"scans": selectors.recent_scans(), "can_scan": Actor.of_user(request.user).has_role(OPERATOR)}
    return render(request, "programs/scans.html", context)


@require_POST
def run_scan(request):
    proposal = request.POST.get("proposal_id") or None
    try:
        services.request_scan(Actor.of_user(request.user), proposal)
    except Refused as error:
        return refusal_redirect(request, error, "programs:scans")
    messages.success(
        request, f"Scan of {proposal or 'the whole store'} queued; it appears below when it has run."
    )
    return redirect("programs:scans")


# Each page action: what it does, and what to tell the user once it has been done.


def _claim(program, request, actor):
    services.claim(program, actor)
    return "Claimed: it is yours now."


def _release(program, request, actor):
    services.release(program, actor)
    return "Released: it is back in the queue."


def _reassign(program, request, actor):
    username = request.POST.get("username", "")
    services.reassign(program, username, actor)
    return f"Assigned to {username}."


def _publish(program, request, actor):
    services.request_publish(program, actor)
    return "Publishing queued; the state changes when it has run."


def _preprocess(program, request, actor):
    services.request_preprocess(program, actor)
    return "Preprocessing queued; its progress shows below."


def _notes(program, request, actor):
    services.set_notes(program, request.POST.get("notes", ""), actor)
    return "Notes saved."


def _priority(program, request, actor):
    try:
        priority = int(request.POST.get("priority", ""))
    except ValueError:
        given = request.POST.get("priority", "")
        ledger.refuse(
            InvalidRequest(f"priority {given!r} must be a whole number; nothing changed"), actor, program
        )
    services.set_priority(program, priority, actor)
    return f"Priority set to {priority}."


def _requalify(program, request, actor):
    program = services.requalify(program, actor)
    return f"Qualified again: {program.state_label}."


def _retry(program, request, actor):
    ledger.retry(program, actor)
    return f"Sent back to the step that failed: {program.state_label}."


ACTIONS = {
    "claim": _claim,
    "release": _release,
    "reassign": _reassign,
    "publish": _publish,
    "preprocess": _preprocess,
    "notes": _notes,
    "priority": _priority,
    "requalify": _requalify,
    "retry": _retry,
}


@require_POST
def act(request, pk, name):
    program = get_object_or_404(ObservingProgram, pk=pk)
    if name not in ACTIONS:
        return HttpResponseNotAllowed(["POST"])
    page = reverse("programs:detail", kwargs={"pk": program.pk})
    try:
        done = ACTIONS[name](program, request, Actor.of_user(request.user))
    except Refused as error:
        return refusal_redirect(request, error, page)
    messages.success(request, done)
    return redirect(back_url(request, page))


@require_POST
def upload(request, pk):
    program = get_object_or_404(ObservingProgram, pk=pk)
    files = {kind: request.FILES.get(kind) for kind in services.INVERSION_FILE_KINDS}
    try:
        services.upload_inversion(
            program,
            Actor.of_user(request.user),
            files,
            request.POST.getlist("dataset_ids"),
            request.POST.get("software_commit", ""),
        )
    except Refused as error:
        return refusal_redirect(request, error, reverse("programs:detail", kwargs={"pk": program.pk}))
    messages.success(request, "Results uploaded and registered; the program is Inverted.")
    return redirect("programs:detail", pk=program.pk)
