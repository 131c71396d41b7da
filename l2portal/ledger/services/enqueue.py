"""Starting tasks: the one way work goes to the workers, through a durable outbox.

``enqueue()`` records a TaskIntent in the caller's transaction, so the work asked for is committed
together with the state change that asks for it, and is sent to the broker once that transaction
commits. A broker that is down at that moment costs nothing but time: the intent stays pending
and the relay (a thread in every worker and beat process, and the reconciler) sends it later.

Work that must wait (a countdown, a retry after a transient error) waits here, in PostgreSQL, as
a pending intent that the relay sends when it is due: nothing is published with an ETA, so a
broker restarted without persistence, or a worker killed while holding a delayed message, loses
no work."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from ..models import TaskIntent

log = logging.getLogger(__name__)

# New intents are sent by their own transaction's commit hook; the relay leaves them alone this long.
RELAY_GRACE = timedelta(seconds=30)
MAX_BACKOFF_SECONDS = 300
RELAY_BATCH = 500


def celery_app():
    from celery import current_app

    return current_app


def tasks_run_in_place() -> bool:
    """True without a broker (tests, the embedded mode): a task runs inside the caller."""
    return bool(celery_app().conf.task_always_eager)


def enqueue(task, *args, countdown: float | None = None, waiting=None, **kwargs) -> TaskIntent:
    """Start ``task`` (a task or its name) with ``args``/``kwargs`` once the current transaction
    commits, so the worker sees the rows it needs and a rolled-back request starts nothing.

    ``countdown`` delays it by that many seconds (the relay sends it when due, to within its
    interval). ``waiting``: the tracked object whose current state waits for this task; if the
    message is lost the reconciler sends it again as long as the object is still in that state."""
    name = task if isinstance(task, str) else task.name
    celery_app().tasks[name]  # an unknown task fails here, in the caller, not later in the relay
    now = timezone.now()
    not_before = now + timedelta(seconds=countdown) if countdown else None
    intent = TaskIntent(
        task_name=name,
        args=list(args),
        kwargs=kwargs,
        not_before=not_before,
        next_attempt_at=max(now + RELAY_GRACE, not_before or now),
    )
    if waiting is not None:
        intent.subject_type = ContentType.objects.get_for_model(waiting)
        intent.subject_id = str(waiting.pk)
        intent.waiting_state = getattr(waiting, "state", "")
    intent.save()
    transaction.on_commit(lambda: send_intents([intent.pk]))
    return intent


def broker_errors() -> tuple[type[BaseException], ...]:
    """What a publish raises when the broker cannot be reached (the transport says which)."""
    connection_ = celery_app().connection_for_write()
    return (BrokerError, ConnectionError, TimeoutError, *connection_.connection_errors)


def _claim(pks: Iterable[int] | None, now) -> list[TaskIntent]:
    """Mark pending intents that are due as sent before publishing them, in a short transaction of
    its own, so two relays never send the same intent and an eager task never runs inside the
    relay's transaction. An intent claimed by a process that dies before publishing is found again
    by the reconciler (sent, never started, not in the broker)."""
    with transaction.atomic():
        pending = TaskIntent.objects.filter(status=TaskIntent.Status.PENDING)
        if not tasks_run_in_place():  # run in place, nothing waits: there is no relay to send it
            pending = pending.filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        pending = (
            pending.filter(pk__in=list(pks)) if pks is not None else pending.filter(next_attempt_at__lte=now)
        )
        if connection.vendor == "postgresql":
            pending = pending.select_for_update(skip_locked=True)
        intents = list(pending.order_by("pk")[:RELAY_BATCH])
        if intents:
            TaskIntent.objects.filter(pk__in=[i.pk for i in intents]).update(
                status=TaskIntent.Status.SENT, sent_at=now, attempts=F("attempts") + 1
            )
    return intents


def send_intents(pks: Iterable[int] | None = None) -> int:
    """Publish pending intents (those of ``pks``, or every one due); returns how many the broker
    accepted. One that fails goes back to pending with the error and a later attempt time."""
    now = timezone.now()
    intents = _claim(pks, now)
    if not intents:
        return 0
    app = celery_app()
    # Run in place there is no broker to miss: what a task raises is the task's own error.
    errors = () if tasks_run_in_place() else broker_errors()
    sent = 0
    for intent in intents:
        try:
            app.tasks[intent.task_name].apply_async(
                args=intent.args,
                kwargs=intent.kwargs,
                task_id=str(intent.task_id),
                retries=intent.retries,
                retry=False,
            )
        except errors as error:
            attempts = intent.attempts + 1
            TaskIntent.objects.filter(pk=intent.pk, status=TaskIntent.Status.SENT).update(
                status=TaskIntent.Status.PENDING,
                last_error=f"{type(error).__name__}: {error}"[:2000],
                next_attempt_at=timezone.now() + timedelta(seconds=min(2**attempts, MAX_BACKOFF_SECONDS)),
            )
            log.warning("broker unreachable, %s stays queued here: %s", intent, error)
        else:
            sent += 1
    if sent:
        TaskIntent.objects.filter(pk__in=[i.pk for i in intents], status=TaskIntent.Status.SENT).update(
            last_error=""
        )
    return sent


def relay_pending() -> int:
    """Send every pending intent that is due (what a down broker left behind)."""
    return send_intents(None)
