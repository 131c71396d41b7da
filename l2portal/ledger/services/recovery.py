"""Recovery: nothing lost, nothing stuck. Run every minute by beat and by `manage.py recover`.

- An Execution whose heartbeat stopped (its worker was killed) is marked lost, the partial files it
  left are removed, and its work is sent again.
- An intent whose message vanished (a broker restarted without persistence, a publish that died
  half way) is sent again while its subject still waits in the state that asked for it.
- An intent whose subject moved on is obsolete; pending intents (the broker was down) are relayed.
Tasks are idempotent, so a message sent twice costs a little time, never a wrong result."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from l2portal.files import partial_files

from .. import conf
from ..events import EXECUTION_LOST, WORK_SENT_AGAIN
from ..execution import partial_tag
from ..models import Execution, TaskIntent
from .actors import Actor
from .enqueue import broker_errors, celery_app, relay_pending, send_intents, tasks_run_in_place
from .events import record_event

log = logging.getLogger(__name__)

# How long the reconciler waits for live workers to say which delivered tasks they hold.
WORKER_REPLY_SECONDS = 1.0


@dataclass
class Recovery:
    lost: list[tuple[Execution, str]] = field(default_factory=list)
    resend: list[tuple[TaskIntent, str]] = field(default_factory=list)
    obsolete: list[tuple[TaskIntent, str]] = field(default_factory=list)
    finished: list[TaskIntent] = field(default_factory=list)
    relayed: int = 0

    def lines(self) -> list[str]:
        return [
            *(f"lost: {e.task_name} execution {e.pk} ({why})" for e, why in self.lost),
            *(f"send again: {i} ({why})" for i, why in self.resend),
            *(f"obsolete: {i} ({why})" for i, why in self.obsolete),
        ]


def stale_executions(now) -> list[tuple[Execution, str]]:
    """Running Executions whose worker went silent; without a worker (service steps in a web
    process) once they ran longer than any task may."""
    limit = conf.heartbeat_limit()
    task_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    running = Execution.objects.filter(status=Execution.Status.RUNNING)
    stale = running.filter(
        Q(worker__gt="", heartbeat_at__lt=now - limit) | Q(worker="", started_at__lt=now - task_limit)
    )
    found = []
    for execution in stale.order_by("pk"):
        if execution.worker:
            silent = (now - execution.heartbeat_at).total_seconds()
            why = f"no heartbeat from {execution.worker} (pid {execution.pid}) for {silent:.0f} s"
        else:
            why = f"running in {execution.host} (pid {execution.pid}) for longer than the task limit"
        found.append((execution, why))
    return found


def mark_lost(execution: Execution, why: str, actor: Actor) -> int:
    """Mark an Execution lost and remove the partial files it left; returns how many."""
    removed = 0
    tag = partial_tag(execution)
    for relative in execution.writing:
        for leftover in partial_files(conf.data_root() / relative, tag):
            leftover.unlink(missing_ok=True)
            removed += 1
    moved = Execution.objects.filter(pk=execution.pk, status=Execution.Status.RUNNING).update(
        status=Execution.Status.LOST, error=f"lost: {why}", finished_at=timezone.now()
    )
    if moved:
        record_event(
            EXECUTION_LOST,
            f"{execution.task_name} execution {execution.pk} lost: {why}; {removed} partial files removed",
            actor,
            execution=execution.pk,
            task_id=execution.task_id,
            partial_files_removed=removed,
        )
    return removed


def _subject_moved_on(intent: TaskIntent) -> str | None:
    """Why the intent's subject no longer waits for its work, or None if it still does: in the
    state the work was sent for, or in one a run of this very intent moved it to (a step that moves
    its object along as it goes, killed half way, is sent again and carries on from there)."""
    if intent.subject_type_id is None or not intent.waiting_state:
        return None
    model = intent.subject_type.model_class()
    state = model.objects.filter(pk=intent.subject_id).values_list("state", flat=True).first()
    if state == intent.waiting_state:
        return None
    moves = model.transition_model().objects.filter(subject_id=intent.subject_id).order_by("-at", "-id")
    if state is not None and moves.values_list("actor_task_id", flat=True).first() == str(intent.task_id):
        return None
    return f"{model._meta.verbose_name} {intent.subject_id} is {state or 'gone'}, not {intent.waiting_state}"


def reconcile(actor: Actor, *, dry_run: bool = False, now=None) -> Recovery:
    """Find lost executions and lost messages and send their work again (see module doc)."""
    now = now or timezone.now()
    recovery = Recovery()
    recovery.lost = stale_executions(now)
    lost_pks = {execution.pk for execution, _ in recovery.lost}
    in_broker = None
    open_intents = TaskIntent.objects.filter(status=TaskIntent.Status.SENT).select_related("subject_type")
    for intent in open_intents.order_by("pk"):
        task_id = str(intent.task_id)
        runs = Execution.objects.filter(task_id=task_id)
        # Done only with its final outcome: a run that ended in a retry is not one (the intent
        # waited for that retry, and was sent again for it).
        if runs.filter(status__in=(Execution.Status.SUCCEEDED, Execution.Status.FAILED)).exists():
            recovery.finished.append(intent)
            continue
        moved_on = _subject_moved_on(intent)
        if moved_on:
            recovery.obsolete.append((intent, moved_on))
            continue
        if runs.filter(status=Execution.Status.RUNNING).exclude(pk__in=lost_pks).exists():
            continue  # alive: its first run, or the one sent again after a loss
        died = runs.filter(Q(status=Execution.Status.LOST) | Q(pk__in=lost_pks))
        last_death = died.aggregate(started=Max("started_at"))["started"]
        if last_death is not None and intent.sent_at <= last_death:  # not sent since: once per loss
            recovery.resend.append((intent, "its worker died while running it"))
            continue
        if intent.sent_at is None or intent.sent_at > now - conf.resend_after():
            continue
        if in_broker is None:
            in_broker = broker_task_ids()
        if in_broker is not None and task_id not in in_broker:
            recovery.resend.append((intent, "its message is no longer in the broker"))
    if dry_run:
        return recovery
    for execution, why in recovery.lost:
        mark_lost(execution, why, actor)
    for intent, _why in recovery.obsolete:
        TaskIntent.objects.filter(pk=intent.pk).update(status=TaskIntent.Status.OBSOLETE, done_at=now)
    TaskIntent.objects.filter(pk__in=[i.pk for i in recovery.finished]).update(
        status=TaskIntent.Status.DONE, done_at=now
    )
    for intent, why in recovery.resend:
        TaskIntent.objects.filter(pk=intent.pk).update(
            status=TaskIntent.Status.PENDING, next_attempt_at=now, resent=intent.resent + 1
        )
        record_event(WORK_SENT_AGAIN, f"{intent} sent again: {why}", actor, task_id=str(intent.task_id))
    if recovery.resend:
        send_intents([intent.pk for intent, _ in recovery.resend])
    recovery.relayed = relay_pending()
    return recovery


def broker_task_ids() -> set[str] | None:
    """Ids of the task messages the broker holds (queued, or delivered to a live worker and not yet
    acknowledged), or None where the transport cannot be inspected (then nothing is presumed lost).
    A message delivered to a worker that died before running it would come back only after the
    visibility timeout (hours): it counts as gone, and is sent again."""
    if tasks_run_in_place():
        return None
    app = celery_app()
    with app.connection_for_write() as connection:
        if connection.transport.driver_type != "redis":
            return None
        client = connection.default_channel.client
        ids: set[str] = set()
        for queue in app.conf.get("l2portal_queues") or [app.conf.task_default_queue]:
            for key in (queue, *(f"{queue}\x06\x16{priority}" for priority in (3, 6, 9))):
                for raw in client.lrange(key, 0, -1):
                    ids.add(_message_id(raw))
        delivered = {
            _message_id(json.loads(raw)[0]) for raw in client.hvals(connection.default_channel.unacked_key)
        }
    ids |= _held_by_live_workers(app, delivered - {""})
    ids.discard("")
    return ids


def _held_by_live_workers(app, task_ids: set[str]) -> set[str]:
    """Which of these delivered messages a live worker holds (running, reserved, or waiting for its
    countdown); all of them if the workers cannot be asked."""
    if not task_ids:
        return set()
    try:
        replies = app.control.inspect(timeout=WORKER_REPLY_SECONDS).query_task(*sorted(task_ids)) or {}
    except broker_errors() as error:
        log.warning("workers not asked which tasks they hold: %s", error)
        return task_ids
    return {task_id for held in replies.values() for task_id in held}


def _message_id(message) -> str:
    if isinstance(message, bytes | str):
        message = json.loads(message)
    return str((message.get("headers") or {}).get("id", ""))
