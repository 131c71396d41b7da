"""State changes: the only way a tracked object moves, with its append-only history row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from ..execution import current_execution
from ..models import Execution, Tracked, TransitionBase
from ..roles import OPERATOR
from ..states import ERROR, TransitionNotAllowed
from .actors import Actor
from .enqueue import enqueue
from .events import describe, record_event
from .refusing import refuse, require_role


def transition(obj: Tracked, to_state: str, actor: Actor, reason: str = "", **details) -> TransitionBase:
    """Move ``obj`` to ``to_state`` if its state machine allows it from the current state.

    Locks the row, checks the move, updates the state and appends the history row atomically. A
    refused move raises TransitionNotAllowed naming the object and both states, leaves the row as
    it was and is recorded as a LedgerEvent. ``obj`` is updated in place.
    """
    machine = type(obj).machine
    return _move(
        obj,
        to_state,
        actor,
        reason,
        details,
        machine.sources(to_state),
        lambda current: machine.refusal(describe(obj), current, to_state),
    )


def fail(obj: Tracked, actor: Actor, error: str, **details) -> TransitionBase:
    """Any non-final state may move to Error; the state it failed in is kept for retry(). The
    Execution running this step, if any, is marked failed too, even though its task returns."""
    row = transition(obj, ERROR, actor, reason=error, **details)
    execution = current_execution()
    if execution is not None:
        execution.status, execution.error = Execution.Status.FAILED, error
    return row


def retry(obj: Tracked, actor: Actor, reason: str = "operator retry") -> TransitionBase:
    """Move ``obj`` from Error back to the state it failed in and start that step's task again
    (operators, or the portal's own tasks)."""
    require_role(actor, OPERATOR, to=f"retry {describe(obj)}", subject=obj)
    last_failure = (
        type(obj)
        .transition_model()
        .objects.filter(subject_id=obj.pk, to_state=ERROR)
        .order_by("-at", "-id")
        .first()
    )
    if last_failure is None:
        refuse(TransitionNotAllowed(describe(obj), obj.state, "?", "it has never failed"), actor, obj)
    target = last_failure.from_state

    def not_in_error(current):
        return TransitionNotAllowed(describe(obj), current, target, f"it is not in '{ERROR}'")

    row = _move(obj, target, actor, reason, {"retry_of": last_failure.pk}, (ERROR,), not_in_error)
    start_step(obj)
    return row


@dataclass(frozen=True)
class BatchResult:
    moved: list[int]
    refused: dict[int, str]  # pk -> the state that did not allow the move


def transition_many(
    model: type[Tracked],
    pks: Iterable[int],
    to_state: str,
    actor: Actor,
    reason: str = "",
    *,
    reasons: Mapping[int, str] | None = None,
    **details,
) -> BatchResult:
    """Move many objects of one model to ``to_state`` at once (a scan qualifying thousands of
    programs). Each object allowed to move moves, with its own history row (its reason from
    ``reasons`` if given, else ``reason``); the others are left as they are, listed in the result
    and recorded in one LedgerEvent."""
    pks = sorted(set(pks) | set(reasons or ()))
    why = [(reasons or {}).get(pk, reason) for pk in pks]
    allowed = model.machine.sources(to_state)
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            moved = [row[1] for row in _move_rows(model, pks, to_state, allowed, actor, why, details, now)]
        else:
            moved = []
            for pk, pk_reason in zip(pks, why, strict=True):
                if _move_with_orm(model, pk, to_state, allowed, actor, pk_reason, details, now) is not None:
                    moved.append(pk)
        moved_set = set(moved)
        refused = dict(
            model.objects.filter(pk__in=[pk for pk in pks if pk not in moved_set]).values_list("pk", "state")
        )
        if refused:
            record_event(
                "transition_refused",
                f"{len(refused)} {model._meta.verbose_name_plural} cannot move to '{to_state}'",
                actor,
                to_state=to_state,
                refused={str(pk): state for pk, state in refused.items()},
            )
    return BatchResult(moved=sorted(moved), refused=refused)


def _move(obj, to_state, actor, reason, details, allowed_from, explain):
    """Apply the move if the locked row's state is in ``allowed_from``; else raise what
    ``explain(current_state)`` says (trying again, a few times, if the state changed meanwhile)."""
    model = type(obj)
    move = _move_in_one_statement if connection.vendor == "postgresql" else _move_with_orm
    for _ in range(3):
        now = timezone.now()
        row = move(model, obj.pk, to_state, allowed_from, actor, reason, details, now)
        if row is not None:
            obj.state, obj.state_changed_at = to_state, now
            return row
        current = model.objects.filter(pk=obj.pk).values_list("state", flat=True).get()
        refusal = explain(current)
        if refusal is not None:
            refuse(refusal, actor, obj)
    raise TransitionNotAllowed(describe(obj), current, to_state, "its state keeps changing; try again")


def _history_row(model, pk, from_state, to_state, now, actor, reason, details, row_id=None):
    if to_state == ERROR:
        details = {"failed_in": from_state, **details}
    row = model.transition_model()(
        id=row_id,
        subject_id=pk,
        from_state=from_state,
        to_state=to_state,
        at=now,
        actor_user=actor.user,
        actor_task=actor.task_name,
        actor_task_id=actor.task_id,
        actor=actor.label,
        reason=reason,
        details=details,
    )
    return row


def _move_with_orm(model, pk, to_state, allowed_from, actor, reason, details, now):
    with transaction.atomic():
        from_state = model.objects.select_for_update().filter(pk=pk).values_list("state", flat=True).get()
        if from_state not in allowed_from:
            return None
        model.objects.filter(pk=pk).update(state=to_state, state_changed_at=now)
        row = _history_row(model, pk, from_state, to_state, now, actor, reason, details)
        row.save()
        return row


def _move_in_one_statement(model, pk, to_state, allowed_from, actor, reason, details, now):
    """PostgreSQL: lock, check, update and append history in one statement, one round trip
    (a transition costs about as much as a bare UPDATE and commit)."""
    moved = _move_rows(model, [pk], to_state, allowed_from, actor, [reason], details, now)
    if not moved:
        return None
    row_id, _, from_state = moved[0]
    row = _history_row(model, pk, from_state, to_state, now, actor, reason, details, row_id=row_id)
    row._state.adding, row._state.db = False, connection.alias
    return row


def _move_rows(
    model, pks, to_state, allowed_from, actor, reasons, details, now
) -> list[tuple[int, int, str]]:
    """The PostgreSQL statement behind both paths: rows locked in id order (no deadlock between
    batches), moved where their state allows, one history row each with the reason at the same
    position as its pk. Returns (history id, subject id, from state) per moved row."""
    table = connection.ops.quote_name(model._meta.db_table)
    history = connection.ops.quote_name(model.transition_model()._meta.db_table)
    sql = f"""
        WITH input AS (SELECT * FROM unnest(%(pks)s::bigint[], %(reasons)s::text[]) AS input(id, reason)),
        old AS (SELECT id, state FROM {table} WHERE id = ANY(%(pks)s) ORDER BY id FOR UPDATE),
        moved AS (
            UPDATE {table} AS t SET state = %(to)s, state_changed_at = %(now)s FROM old
            WHERE t.id = old.id AND old.state = ANY(%(allowed)s)
            RETURNING t.id, old.state AS from_state
        )
        INSERT INTO {history} (subject_id, from_state, to_state, at, actor_user_id, actor_task,
                               actor_task_id, actor, reason, details)
        SELECT moved.id, from_state, %(to)s, %(now)s, %(user)s, %(task)s, %(task_id)s, %(actor)s,
               input.reason,
               CASE WHEN %(to)s = %(error)s THEN jsonb_build_object('failed_in', from_state)
                    ELSE '{{}}'::jsonb END || %(details)s::jsonb
        FROM moved JOIN input ON input.id = moved.id
        RETURNING id, subject_id, from_state
    """
    params = {
        "pks": list(pks),
        "to": to_state,
        "now": now,
        "allowed": list(allowed_from),
        "error": ERROR,
        "user": actor.user.pk if actor.user else None,
        "task": actor.task_name,
        "task_id": actor.task_id,
        "actor": actor.label,
        "reasons": list(reasons),
        "details": json.dumps(details),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def start_step(obj: Tracked) -> None:
    """Enqueue, after commit, the task that carries ``obj`` on from its current state, if any."""
    task_name = obj.step_tasks.get(obj.state)
    if task_name:
        enqueue(task_name, obj.pk, waiting=obj)
