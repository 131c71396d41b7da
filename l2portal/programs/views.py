"""Scientists' and operators' pages: program list, program page (with its transfers, runs and
files), queue, scans. Actions call the services, which check roles; a refusal is shown at the top
of the page the user came from. Each page says what its reader can do next, and why not."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest, Refused
from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.ledger.services import Actor
from l2portal.portal.downloads import ranged_file_response
from l2portal.portal.pages import back_url, refusal_redirect
from l2portal.registry import services as registry

from . import conf, selectors, services
from .filtersets import ObservingProgramFilter
from .models import ObservingProgram, Transfer
from .services.publish import NO_STORE
from .services.scan import NO_STORE as NO_SCAN_STORE

PAGE_SIZE = 50
FILES_PAGE_SIZE = 100
SORTS = {
    "priority": ("-priority", "execution_id"),
    "newest": ("-last_changed", "execution_id"),
    "oldest": ("last_changed", "execution_id"),
    "changed": ("-state_changed_at", "execution_id"),
    "ready": ("ready_at", "execution_id"),
}


def list_programs(request):
    base = selectors.with_failures(ObservingProgram.objects.select_related("owner"))
    filters = ObservingProgramFilter(request.GET, queryset=base)
    valid = filters.is_valid()
    programs = filters.qs if valid else base.none()
    # Counts per state under the other filters, so the state links show what they would give.
    without_state = request.GET.copy()
    without_state.pop("state", None)
    others = ObservingProgramFilter(without_state, queryset=ObservingProgram.objects.all())
    counted = selectors.state_counts(others.qs) if others.is_valid() else {}
    sort = request.GET.get("sort", "priority")
    paginator = Paginator(programs.order_by(*SORTS.get(sort, SORTS["priority"])), PAGE_SIZE)
    # Those counts also say how many programs the list holds: no COUNT of all rows again.
    state = filters.form.cleaned_data.get("state") if valid else None
    paginator.count = (counted.get(state, 0) if state else sum(counted.values())) if valid else 0
    page = paginator.get_page(request.GET.get("page"))
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


# What happens next in each state, whoever reads the page.
STATE_HINTS = {
    "discovered": "Its datasets are settling; it is qualified once none has changed for the settle period.",
    "not_invertible": "Not invertible under the rules in force (see the checklist); it is qualified "
    "again when its datasets or the rules change.",
    "invertible": "Invertible: an operator preprocesses it (fetches its L1 frames); then a scientist "
    "can claim it.",
    "preprocessed": "Preprocessed: waiting in the queue for a scientist to claim it.",
    "working": "Working: {owner} inverts it and sends the results (form or Globus).",
    "inverted": "Inverted: an operator publishes it to the bucket and the metadata store.",
    "published": "Published: nothing more to do.",
    "error": "",  # the failure, on top, says what to do
}


def _what_to_do(program: ObservingProgram, actor: Actor, page: dict) -> tuple[dict, list[str]]:
    """Which buttons to show (the services decide what is allowed) and, for what cannot be done
    now, why and what happens next."""
    is_operator, is_scientist = actor.has_role(OPERATOR), actor.has_role(SCIENTIST)
    owner = services.owns(program, actor)
    state = program.state
    can = {
        "claim": is_scientist and state == "preprocessed" and program.owner_id is None,
        "release": state == "working" and (owner or is_operator),
        "upload": state == "working"
        and owner
        and not any(t.purpose == Transfer.Purpose.UPLOAD and t.running for t in page["transfers"]),
        "reassign": is_operator and state in ("preprocessed", "working"),
        "publish": is_operator and state == "inverted" and page["store_configured"],
        "preprocess": is_operator and state in ("invertible", "preprocessed"),
        "retry": is_operator and state == "error",
        "requalify": is_operator,
        "priority": is_operator,
        "notes": is_operator or is_scientist,
    }
    owner_name = program.owner.get_username() if program.owner_id else "nobody"
    notes = [STATE_HINTS.get(state, "").format(owner=owner_name)]
    if state == "inverted" and is_operator and not page["store_configured"]:
        notes.append(f"Publishing is not possible here yet: {NO_STORE}.")
    if state == "working" and owner and not can["upload"]:
        notes.append("Results are on their way by Globus; their progress is below.")
    if state == "preprocessed" and is_scientist and program.owner_id:
        notes.append(f"Claimed by {owner_name}.")
    return can, [note for note in notes if note]


def detail(request, pk):
    program = get_object_or_404(ObservingProgram.objects.select_related("owner", "manifest"), pk=pk)
    actor = Actor.of_user(request.user)
    page = selectors.program_page(program)
    can, hints = _what_to_do(program, actor, page)
    context = {**page, "can": can, "hints": hints, "form_limit": conf.form_upload_max_bytes()}
    return render(request, "programs/detail.html", context)


def transfers(request, pk):
    """The live part of the program page: its transfers, polled while one runs."""
    program = get_object_or_404(ObservingProgram, pk=pk)
    return render(
        request,
        "programs/_transfers.html",
        {"program": program, "transfers": selectors.program_transfers(program)},
    )


def transfer(request, pk, transfer_pk):
    """One transfer: every file, its size, how it was verified, its faults."""
    transfer = get_object_or_404(
        Transfer.objects.select_related("program", "requested_by"), pk=transfer_pk, program_id=pk
    )
    page = Paginator(transfer.files.all(), FILES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "programs/transfer.html", {"transfer": transfer, "program": transfer.program, "page": page}
    )


def product_file(request, pk, product_pk):
    """Download one of the program's files (ranges allowed, for large frames)."""
    program = get_object_or_404(ObservingProgram, pk=pk)
    product = selectors.program_product(program, product_pk)
    path = registry.absolute_path(product) if product else None
    if path is None or not path.is_file():
        raise Http404("no such file of this program")
    return ranged_file_response(
        path, request.headers.get("Range", ""), "application/octet-stream", path.name, product.sha256
    )


def scans(request):
    context = {
        "scans": selectors.recent_scans(),
        "can_scan": Actor.of_user(request.user).has_role(OPERATOR),
        "no_store": None if conf.metadata_store_url() else NO_SCAN_STORE,
    }
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
    return "Preprocessing queued; its transfer shows below."


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


def _globus_upload(program, request, actor):
    services.request_globus_upload(
        program,
        actor,
        request.POST.get("collection", "").strip(),
        request.POST.get("folder", "").strip(),
        request.POST.getlist("dataset_ids"),
        request.POST.get("software_commit", ""),
    )
    return "Globus transfer of the results queued; its progress shows below."


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
    "globus-upload": _globus_upload,
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
