"""The buttons of a program's page: each action calls its service and says what was done; a
refusal goes back to the page with its message."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest, Refused
from l2portal.ledger.services import Actor
from l2portal.portal.pages import back_url, refusal_redirect

from .. import services
from ..models import ObservingProgram


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
