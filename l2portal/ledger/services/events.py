"""The append-only event log: refusals and facts that change no state."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from django.contrib.contenttypes.models import ContentType

from ..models import LedgerEvent
from ..refusals import Refused

if TYPE_CHECKING:
    from .actors import Actor


def describe(obj) -> str:
    return f"{obj._meta.verbose_name} {obj}"


def record_event(kind: str, message: str, actor: Actor, subject=None, **details) -> LedgerEvent:
    return _save_event(kind, message, actor, subject, details)


def _save_event(kind: str, message: str, actor: Actor, subject, details: dict) -> LedgerEvent:
    event = LedgerEvent(kind=kind, message=message, actor=actor.label, details=details)
    if subject is not None:
        event.subject_type = ContentType.objects.get_for_model(subject)
        event.subject_id = str(subject.pk)
    event.save()
    return event


def record_refusal(error: Refused, actor: Actor, subject=None) -> None:
    """Record a refusal as a LedgerEvent (kind = its code), once however often it is seen."""
    if error.recorded:
        return
    _save_event(error.code, error.message, actor, subject, error.details)
    error.recorded = True


def refuse(error: Refused, actor: Actor, subject=None) -> NoReturn:
    """The one way a service says no: record the refusal, then raise it."""
    record_refusal(error, actor, subject)
    raise error
