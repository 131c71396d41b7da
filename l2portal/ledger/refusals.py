"""The one refusal type: a request the portal will not carry out, and nothing changed.

Pure Python (no Django). Services raise these through ``ledger.services.refuse()``, which records
each one as a LedgerEvent; the API answers ``{"code", "message", "details"}`` with the refusal's
HTTP status and pages show the message. Domain refusals subclass one of these and set their own
``code`` (a class attribute, never passed inline: the change log lists refusals by their class).
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """Refused because of the object's current state (HTTP 409). ``message`` names the object and
    says what to do next; ``code`` is stable for clients and is the recorded event's kind."""

    code = "refused"
    http_status = 409

    def __init__(self, message: str, *, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.event_id: int | None = None  # the LedgerEvent that records it, once recorded
        self.refused_for: tuple[Any, Any] | None = None  # (actor, subject) it was first refused to

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class NotPermitted(Refused):
    """The actor's role (or ownership) does not allow the request (HTTP 403)."""

    code = "not_permitted"
    http_status = 403


class InvalidRequest(Refused):
    """The request itself is malformed or names what does not exist (HTTP 400)."""

    code = "invalid_request"
    http_status = 400
