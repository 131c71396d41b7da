"""Telling the requester by e-mail that their restore ended."""

from __future__ import annotations

from django.core.mail import send_mail
from django.urls import reverse

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor
from restore import conf

from .. import events
from ..models import RestoreRequest


def notify_requester(request: RestoreRequest) -> None:
    """E-mail the requester that the restore ended (restored, not restorable, cancelled or failed).
    A mail that cannot be sent is recorded as an event; the restore is not held up by it."""
    user = request.requested_by
    if user is None or not user.email:
        return
    page = conf.site_url() + reverse("restore:detail", args=[request.pk])
    reason = request.transitions.order_by("-at", "-id").values_list("reason", flat=True).first() or ""
    body = (
        f"Your restore of {request.mous_uid} (request #{request.pk}) is now: {request.state_label}.\n\n"
        f"{reason}\n\n"
        + ("An operator can retry it from the step that failed.\n\n" if request.state == "error" else "")
        + f"Details, what ran (PPR or restore script), the log and the outputs: {page}\n"
    )
    try:
        send_mail(
            f"[l2portal] restore of {request.mous_uid}: {request.state_label}", body, None, [user.email]
        )
    except (OSError, ValueError) as error:
        ledger.record_event(
            events.RESTORE_EMAIL_FAILED,
            f"could not e-mail {user.email}: {error}",
            Actor.system("restore notification"),
            subject=request,
        )
