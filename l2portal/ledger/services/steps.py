"""Running one step of a tracked object's work for its task: every failure reaches Error.

Tasks call ``run_step(obj, step, actor)``. Whatever the step raises moves ``obj`` to Error with the
reason (the traceback goes to the Execution's log), except transient errors, which the task retries
with backoff and which move ``obj`` to Error only on the last attempt. A step that finds its object
moved on meanwhile (cancelled, retried elsewhere) leaves it alone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..execution import RETRYABLE, attach_subject, current_execution
from ..states import TransitionNotAllowed
from .actors import Actor
from .transitions import fail

log = logging.getLogger(__name__)


class StepFailed(Exception):
    """The step cannot go on; its object moves to Error with this message (and ``details``)."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.details = details


def _last_attempt() -> bool:
    from celery import current_task

    if not current_task or not current_task.request.id:  # not inside a task
        return True
    return current_task.request.retries >= (current_task.max_retries or 0)


def run_step(
    obj,
    step: Callable[[Any, Actor], Any],
    actor: Actor,
    *,
    on_error: Callable[[Any], None] | None = None,
) -> Any:
    """Run ``step(obj, actor)``; see the module's doc. ``on_error(obj)`` runs once ``obj`` is in
    Error (to tell the people waiting for it)."""
    execution = current_execution()
    if execution is not None:
        attach_subject(execution, obj)
    try:
        return step(obj, actor)
    except TransitionNotAllowed as error:
        log.info("%s moved on while %s ran: %s", obj, step.__name__, error)
    except RETRYABLE as error:
        if not _last_attempt():
            raise
        _fail(obj, actor, f"gave up after repeated failures: {type(error).__name__}: {error}", {}, on_error)
        raise
    except StepFailed as error:
        _fail(obj, actor, str(error), error.details, on_error)
    except Exception as error:
        log.exception("%s failed in %s", obj, step.__name__)
        _fail(obj, actor, f"unexpected {type(error).__name__}: {error}", {}, on_error)
    return None


def _fail(obj, actor: Actor, reason: str, details: dict, on_error) -> None:
    try:
        fail(obj, actor, reason, **details)
    except TransitionNotAllowed as error:
        log.info("%s ended meanwhile, not failing it: %s", obj, error)
        return
    if on_error is not None:
        on_error(obj)
