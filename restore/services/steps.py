"""Running one step of a restore (check, stage, prepare, run) for its task, and failing it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from l2portal.ledger import services as ledger
from l2portal.ledger.execution import TransientError, attach_subject, current_execution
from l2portal.ledger.services import Actor
from l2portal.ledger.states import TransitionNotAllowed
from restore import archive, conf
from restore.plan import PlanError
from restore.ppr import PprError
from restore.productstore import StoreError
from restore.sessions import UnsafeXMLError

from ..models import RestoreRequest
from .notify import notify_requester

log = logging.getLogger(__name__)

# Errors of the archive, product store and pipeline input that no retry of the same step can fix alone.
STEP_ERRORS = (archive.ArchiveError, PlanError, PprError, StoreError, UnsafeXMLError, ValueError, OSError)


class StepFailed(Exception):
    """The step cannot go on: the request moves to Error with this reason."""


def run_step(
    step: Callable[[RestoreRequest, Actor], None], request_id: int, actor: Actor, last_attempt: bool = True
) -> None:
    """Run one step for a request: a StepFailed moves it to Error (the requester is told); a
    request that moved on meanwhile (cancelled, say) is left alone. A TransientError is raised on
    for the task to retry later, and moves the request to Error on the ``last_attempt``."""
    request = RestoreRequest.objects.get(pk=request_id)
    execution = current_execution()
    if execution is not None:
        attach_subject(execution, request)
    try:
        step(request, actor)
    except StepFailed as error:
        fail(request, actor, str(error))
    except TransientError as error:
        if last_attempt:
            fail(request, actor, f"gave up after repeated failures: {error}")
        raise
    except TransitionNotAllowed as error:
        log.info("%s moved on while %s ran: %s", request, step.__name__, error)


def fail(request: RestoreRequest, actor: Actor, reason: str) -> None:
    """Move the request to Error with ``reason`` and tell the requester, unless it ended meanwhile."""
    try:
        ledger.fail(request, actor, reason)
    except TransitionNotAllowed as error:
        log.info("%s ended meanwhile, not failing it: %s", request, error)
        return
    RestoreRequest.objects.filter(pk=request.pk).update(progress_note=reason[:255])
    request.refresh_from_db()
    notify_requester(request)


def open_archive():
    """A connection to the configured archive; the step fails if there is none."""
    try:
        return archive.connect(conf.archive_url())
    except archive.ArchiveError as error:
        raise StepFailed(f"cannot open the archive: {error}") from None
