"""The portal's own figures, read from the database at every scrape: a fixed number of queries
(one a tracked model, one a declared measure, five for the kernel), however many rows there are.

Counters are counts of rows that are never removed (finished executions, and the step durations
of the successful ones), so Prometheus's rate() and increase() apply to them as to any counter."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from ...ledger.models import Execution, TaskIntent
from ..site import measures, tracked_models

PREFIX = "l2portal_"
# Steps take from a second (a state change) to the task time limit (6 h by default).
DURATION_BUCKETS = (1, 5, 30, 60, 300, 900, 1800, 3600, 7200, 21600)
# A worker that ran nothing for this long is no longer listed (workers come and go with scaling).
WORKERS_SEEN_WITHIN = timedelta(days=1)


class PortalCollector:
    """A prometheus_client collector (it has collect()), registered for one scrape."""

    def collect(self):
        now = timezone.now()
        yield from items(now)
        yield from intents(now)
        yield from executions()
        yield step_durations()
        yield workers(now)
        yield from declared()


def items(now):
    count = GaugeMetricFamily(
        PREFIX + "items", "Tracked objects by app, model and state", labels=["app", "model", "state"]
    )
    oldest = GaugeMetricFamily(
        PREFIX + "oldest_item_age_seconds",
        "How long the object longest in each state that is not final has been there (0: none is)",
        labels=["app", "model", "state"],
    )
    for model in tracked_models():
        found = {
            row["state"]: row
            for row in model.objects.values("state").annotate(n=Count("pk"), since=Min("state_changed_at"))
        }
        labels = [model._meta.app_label, model.__name__]
        for state, _ in model.machine.states:
            row = found.get(state)
            count.add_metric([*labels, state], row["n"] if row else 0)
            if state not in model.machine.final:
                oldest.add_metric([*labels, state], (now - row["since"]).total_seconds() if row else 0)
    return count, oldest


def intents(now):
    by_status = dict(TaskIntent.objects.values_list("status").annotate(n=Count("pk")).order_by())
    statuses = GaugeMetricFamily(
        PREFIX + "task_intents", "Task intents (the outbox) by status", labels=["status"]
    )
    for status in TaskIntent.Status.values:
        statuses.add_metric([status], by_status.get(status, 0))
    # Due: pending and not waiting for a countdown or a retry's delay, so the relay should have sent it.
    due = TaskIntent.objects.filter(Q(not_before__isnull=True) | Q(not_before__lte=now), status="pending")
    figures = due.aggregate(n=Count("pk"), since=Min(Coalesce("not_before", "created_at")))
    pending = GaugeMetricFamily(
        PREFIX + "task_intents_due", "Pending task intents that are due: work the relay has not sent yet"
    )
    pending.add_metric([], figures["n"])
    age = GaugeMetricFamily(
        PREFIX + "task_intent_oldest_due_age_seconds",
        "How long the oldest due pending task intent has waited to be sent (0: none waits)",
    )
    age.add_metric([], (now - figures["since"]).total_seconds() if figures["since"] else 0)
    return statuses, pending, age


def executions():
    rows = Execution.objects.values_list("task_name", "status").annotate(n=Count("pk")).order_by()
    running = GaugeMetricFamily(
        PREFIX + "executions_running", "Executions running now, by task", labels=["task"]
    )
    finished = CounterMetricFamily(
        PREFIX + "executions",
        "Executions that ended, by task and status (succeeded, failed, retried, lost)",
        labels=["task", "status"],
    )
    for task, status, n in rows:
        if status == Execution.Status.RUNNING:
            running.add_metric([task], n)
        else:
            finished.add_metric([task, status], n)
    return running, finished


def step_durations():
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    buckets = {
        f"le_{i}": Count("pk", filter=Q(duration__lte=timedelta(seconds=bound)))
        for i, bound in enumerate(DURATION_BUCKETS)
    }
    rows = (
        Execution.objects.filter(status=Execution.Status.SUCCEEDED, finished_at__isnull=False)
        .annotate(duration=duration)
        .values("task_name")
        .annotate(n=Count("pk"), total=Sum("duration"), **buckets)
        .order_by()
    )
    family = HistogramMetricFamily(
        PREFIX + "step_duration_seconds",
        "How long successful executions of each task took",
        labels=["task"],
    )
    for row in rows:
        counts = [(str(bound), row[f"le_{i}"]) for i, bound in enumerate(DURATION_BUCKETS)]
        family.add_metric(
            [row["task_name"]],
            [*counts, ("+Inf", row["n"])],
            (row["total"] or timedelta()).total_seconds(),
        )
    return family


def workers(now):
    """A worker's last sign of life: the last heartbeat, start or end of anything it ran (beat's
    recovery runs every minute, so a live worker of the default queue is seen every minute)."""
    seen = Coalesce("finished_at", "heartbeat_at", "started_at")
    rows = (
        Execution.objects.exclude(worker="")
        .filter(Q(status=Execution.Status.RUNNING) | Q(started_at__gte=now - WORKERS_SEEN_WITHIN))
        .values_list("worker")
        .annotate(last=Max(seen))
        .order_by()
    )
    family = GaugeMetricFamily(
        PREFIX + "worker_last_seen_timestamp_seconds",
        "When each Celery worker last started, heartbeat or finished an execution (Unix time)",
        labels=["worker"],
    )
    for worker, last in rows:
        family.add_metric([worker], last.timestamp())
    return family


def declared():
    """What the apps declare (PortalApp.metrics): one query a measure."""
    for model, measure in measures():
        value = Sum(measure.total) if measure.total else Count("pk")
        if measure.by:
            rows = model.objects.values_list(*measure.by).annotate(value=value).order_by()
        else:
            rows = [(model.objects.aggregate(value=value)["value"],)]
        kind = CounterMetricFamily if measure.counter else GaugeMetricFamily
        labels = [field.replace("__", "_") for field in measure.by]
        family = kind(PREFIX + measure.name, measure.help, labels=labels)
        for *values, figure in rows:
            family.add_metric([str(v) for v in values], figure or 0)
        yield family
