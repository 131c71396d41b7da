"""The append-only event log: facts that change no state (refusals are recorded through it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType

from ..events import EventKind, kind_code
from ..models import LedgerEvent

if TYPE_CHECKING:
    from .actors import Actor


def describe(obj) -> str:
    return f"{obj._meta.verbose_name} {obj}"


def record_event(kind: EventKind | str, message: str, actor: Actor, subject=None, **details) -> LedgerEvent:
    """Record a fact of ``kind`` (declared in an app's events.py, or a refusal's code)."""
    return save_event(kind, message, actor, subject, details)


def save_event(kind: EventKind | str, message: str, actor: Actor, subject, details: dict) -> LedgerEvent:
    event = LedgerEvent(kind=kind_code(kind), message=message, actor=actor.label, details=details)
    if subject is not None:
        event.subject_type = ContentType.objects.get_for_model(subject)
        event.subject_id = str(subject.pk)
    event.save()
    return event
