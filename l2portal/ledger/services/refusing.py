"""Saying no: the one way a service refuses, recorded as a LedgerEvent, and the role check."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import NoReturn

from django.db import transaction

from ..models import LedgerEvent
from ..refusals import NotPermitted, Refused
from .actors import Actor
from .events import save_event


def record_refusal(error: Refused, actor: Actor, subject=None) -> None:
    """Record a refusal as a LedgerEvent (kind = its code), once however often it is seen. A
    refusal raised inside a transaction that then rolled back lost its event with it: seen again
    outside (by the API's handler, the pages' helper, the caller), it is recorded again."""
    if error.event_id is not None and LedgerEvent.objects.filter(pk=error.event_id).exists():
        return
    if error.refused_for is not None:
        actor, subject = error.refused_for
    error.event_id = save_event(error.code, error.message, actor, subject, error.details).pk
    error.refused_for = (actor, subject)


def refuse(error: Refused, actor: Actor, subject=None) -> NoReturn:
    """The one way a service says no: record the refusal, then raise it."""
    record_refusal(error, actor, subject)
    raise error


def require_role(actor: Actor, *roles: str, to: str, subject=None) -> None:
    """Refuse (NotPermitted, recorded) unless ``actor`` holds one of ``roles``; ``to`` says what
    they tried: ``require_role(actor, OPERATOR, to="start preprocessing")``."""
    if not actor.has_role(*roles):
        allowed = " or ".join(f"{role}s" for role in roles)
        refuse(
            NotPermitted(
                f"only {allowed} may {to}; ask an operator",
                details={"roles": list(roles), "actor": actor.label},
            ),
            actor,
            subject,
        )


@contextlib.contextmanager
def atomic_refusing(actor: Actor) -> Iterator[None]:
    """A transaction whose refusals stay recorded: the event of a refusal raised inside rolls back
    with the transaction, so it is recorded again once outside."""
    try:
        with transaction.atomic():
            yield
    except Refused as error:
        record_refusal(error, actor)
        raise
