"""Read models of any object the ledger tracks: why it failed (for its page and its list rows), its
timeline (transitions, events and runs about it) and the run working on it now. A fixed number of
queries per object, and one subquery for a whole list's failure reasons."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, OuterRef, QuerySet, Subquery, TextField, Value, When
from django.urls import reverse

from ..models import Execution, LedgerEvent, Tracked
from ..states import ERROR

TIMELINE_LENGTH = 50
EXECUTION_FIELDS = (
    "pk",
    "task_name",
    "task_id",
    "status",
    "error",
    "started_at",
    "finished_at",
    "host",
    "worker",
)


def with_failure_reasons(queryset: QuerySet) -> QuerySet:
    """Each row of a tracked model's list with ``failure_reason``: for rows in Error, the reason
    of their last move there (one correlated subquery, run only for those rows); else ""."""
    history = queryset.model.transition_model()
    failures = history.objects.filter(subject_id=OuterRef("pk"), to_state=ERROR)
    last_failure = failures.order_by("-at", "-id").values("reason")
    return queryset.annotate(
        failure_reason=Case(
            When(state=ERROR, then=Subquery(last_failure[:1])), default=Value(""), output_field=TextField()
        )
    )


def executions_about(obj) -> QuerySet:
    return Execution.objects.filter(
        subject_type=ContentType.objects.get_for_model(obj), subject_id=str(obj.pk)
    ).order_by("-started_at", "-id")


@dataclass(frozen=True)
class Failure:
    """Why an object is in Error and what would help: the reason, the state it failed in (a retry
    goes back there and starts ``step_task`` again, if that state has one), the run that failed."""

    reason: str
    failed_in: str
    failed_in_label: str
    at: datetime
    actor: str
    details: dict
    step_task: str | None
    execution: Execution | None


def failure_of(obj: Tracked) -> Failure | None:
    """Why ``obj`` is in Error (None if it is not): two queries."""
    if obj.state != ERROR:
        return None
    row = obj.transitions.filter(to_state=ERROR).order_by("-at", "-id").first()
    if row is None:
        return None
    runs = executions_about(obj).only(*EXECUTION_FIELDS)
    # The run that failed it: the task that wrote the move, else the object's last run that failed.
    if row.actor_task_id:
        execution = runs.filter(task_id=row.actor_task_id).first()
    else:
        execution = runs.filter(status__in=(Execution.Status.FAILED, Execution.Status.LOST)).first()
    failed_in = row.details.get("failed_in", row.from_state)
    return Failure(
        reason=row.reason,
        failed_in=failed_in,
        failed_in_label=type(obj).machine.label(failed_in),
        at=row.at,
        actor=row.actor,
        details={k: v for k, v in row.details.items() if k != "failed_in"},
        step_task=obj.step_tasks.get(failed_in),
        execution=execution,
    )


def running_execution(obj) -> Execution | None:
    """The run working on ``obj`` now (the latest still running), if any."""
    return executions_about(obj).filter(status=Execution.Status.RUNNING).only(*EXECUTION_FIELDS).first()


@dataclass(frozen=True, order=True)
class TimelineEntry:
    """One line of an object's timeline: a move, an event or a run about it."""

    at: datetime
    order: int  # ties at one instant: moves after the runs that made them
    kind: str = field(compare=False)  # "transition", "event" or "execution"
    title: str = field(compare=False)
    detail: str = field(compare=False)
    actor: str = field(compare=False)
    state: str = field(compare=False)  # for its colour: the state moved to, the event kind, the run status
    url: str | None = field(compare=False, default=None)


def timeline(obj, limit: int = TIMELINE_LENGTH) -> list[TimelineEntry]:
    """The newest ``limit`` moves, events and runs about ``obj``, newest first: three queries."""
    streams = []
    if isinstance(obj, Tracked):
        machine = type(obj).machine
        moves = obj.transitions.order_by("-at", "-id")[:limit]
        streams.append(
            TimelineEntry(
                at=row.at,
                order=2,
                kind="transition",
                title=f"{machine.label(row.from_state)} → {machine.label(row.to_state)}",
                detail=row.reason,
                actor=row.actor,
                state=row.to_state,
            )
            for row in moves
        )
    subject_type = ContentType.objects.get_for_model(obj)
    events = LedgerEvent.objects.filter(subject_type=subject_type, subject_id=str(obj.pk))[:limit]
    streams.append(
        TimelineEntry(
            at=event.at,
            order=1,
            kind="event",
            title=event.kind.replace("_", " "),
            detail=event.message,
            actor=event.actor,
            state=event.kind,
        )
        for event in events
    )
    runs = executions_about(obj).only(*EXECUTION_FIELDS)[:limit]
    streams.append(
        TimelineEntry(
            at=run.started_at,
            order=0,
            kind="execution",
            title=f"{run.task_name.rpartition('.')[2]} {run.get_status_display().lower()}",
            detail=run.error,
            actor=run.worker or run.host,
            state=run.status,
            url=reverse("registry:execution", args=[run.pk]),
        )
        for run in runs
    )
    return sorted(itertools.chain(*streams), reverse=True)[:limit]
