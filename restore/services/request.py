"""Asking for a restore of an MOUS, and cancelling one."""

from __future__ import annotations

import re

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest, NotPermitted
from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.ledger.services import Actor

from ..models import RestoreRequest
from .notify import notify_requester

MOUS_UID = re.compile(r"uid://A[0-9]{3}/X[0-9a-fA-F]+/X[0-9a-fA-F]+")
REQUESTER_ROLES = (OPERATOR, SCIENTIST)


class RestoreRefused(InvalidRequest):
    """A restore request that cannot be accepted as it is (a malformed MOUS uid); nothing changed."""

    code = "restore_refused"


def request_restore(mous_uid: str, actor: Actor) -> RestoreRequest:
    """Accept a restore of ``mous_uid`` for ``actor`` (operators and scientists) and start its
    archive check."""
    ledger.require_role(actor, *REQUESTER_ROLES, to="request restores")
    uid = (mous_uid or "").strip()
    if not MOUS_UID.fullmatch(uid):
        message = f"{uid!r} is not a member OUS uid; expected the form uid://A001/X12a3/X80e"
        ledger.refuse(RestoreRefused(message, details={"mous_uid": uid[:100]}), actor)
    with transaction.atomic():
        request = RestoreRequest.objects.create(mous_uid=uid, requested_by=actor.user)
        ledger.start_step(request)
    return request


def may_cancel(actor: Actor, request: RestoreRequest) -> bool:
    """Operators (and the portal itself) cancel any restore; a person cancels the restores they
    asked for."""
    return actor.has_role(OPERATOR) or (actor.user is not None and request.requested_by_id == actor.user.pk)


def cancel(request: RestoreRequest, actor: Actor) -> RestoreRequest:
    """Stop a restore. Before it runs it is cancelled at once; while the pipeline runs, the task
    watching it sees the flag, stops the pipeline's process group and moves it to Cancelled."""
    if not may_cancel(actor, request):
        message = f"{request} was requested by someone else; ask an operator to cancel it"
        ledger.refuse(NotPermitted(message, details={"actor": actor.label}), actor, request)
    with transaction.atomic():
        current = RestoreRequest.objects.select_for_update().get(pk=request.pk)
        refusal = current.machine.refusal(ledger.describe(current), current.state, "cancelled")
        if refusal is None:
            RestoreRequest.objects.filter(pk=request.pk).update(cancel_requested=True)
            if current.state == "running":
                message = f"{actor.label} asked to stop the pipeline"
                ledger.record_event("restore_cancel_requested", message, actor, subject=current)
            else:
                ledger.transition(current, "cancelled", actor, f"cancelled by {actor.label}")
    if refusal is not None:
        # Refused outside the transaction, which would otherwise roll back the recorded refusal.
        ledger.refuse(refusal, actor, current)
    request.refresh_from_db()
    if request.state == "cancelled":
        notify_requester(request)
    return request
