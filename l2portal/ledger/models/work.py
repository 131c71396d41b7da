"""Work: executions (provenance recorded as it happens), the durable outbox of task intents and
fan-in counters."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .. import conf


class Execution(models.Model):
    """One run of a task or service step, recorded as it happens (the LSST Gen3 Butler notes: provenance at
    execution)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        RETRIED = "retried", "Failed, tried again later"
        LOST = "lost", "Lost (its worker died)"

    # What it read is provenance: written once, never changed or removed (ledger.database).
    write_once_fields: ClassVar[tuple[str, ...]] = ("inputs",)

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False, help_text="id across sites")
    site = models.CharField(max_length=32, default=conf.site_id, editable=False)
    task_name = models.CharField(max_length=200, db_index=True)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    parameters = models.JSONField(default=dict, blank=True)
    inputs = models.ManyToManyField("Product", blank=True, related_name="consumed_by")
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    software = models.JSONField(default=dict, blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True, help_text="the Celery worker node that ran it")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="last sign of life while running")
    writing = models.JSONField(
        default=list, blank=True, help_text="product paths it started writing (partial files to clean up)"
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    error = models.TextField(blank=True)
    log_tail = models.TextField(blank=True)
    log_file = models.CharField(
        max_length=300, blank=True, help_text="its whole log, relative to the data root, written as it runs"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            # The runs list sorted by host (its sortable header), a page without sorting them all.
            models.Index(fields=["host", "id"]),
        ]

    def __str__(self):
        return f"{self.task_name} [{self.status}] {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None


class TaskIntent(models.Model):
    """Work asked for, kept until it has run (the durable outbox).

    ``enqueue()`` writes it in the same transaction as the state change that asks for the work; the
    relay sends it to the broker after commit (and again later if the broker was down); it is done
    when an Execution of it finishes for good. Work that waits (a countdown, a retry after a
    transient error) waits here, as a pending intent with ``not_before``, never in the broker. The
    reconciler sends again an intent whose message was lost (a broker restart, a killed worker)
    while its subject still waits in ``waiting_state``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Queued"
        DONE = "done", "Ran"
        OBSOLETE = "obsolete", "Not needed: its subject moved on"

    task_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="start no earlier than this")
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    waiting_state = models.CharField(max_length=32, blank=True, help_text="the subject's state that waits")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0, help_text="sends tried")
    sent_at = models.DateTimeField(null=True, blank=True)
    resent = models.PositiveIntegerField(default=0, help_text="times sent again after its message was lost")
    retries = models.PositiveIntegerField(
        default=0, help_text="tries after transient errors, each one waited for here"
    )
    last_error = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self):
        return f"{self.task_name}{tuple(self.args)} [{self.status}]"


class FanIn(models.Model):
    """Wait for ``expected`` distinct parts, then start the continuation once.

    Kept in the database, not in a Celery chord: a redelivered part is counted once (unique part
    key) and the continuation is claimed under a row lock, so it fires exactly once.
    """

    key = models.CharField(max_length=200, unique=True)
    expected = models.PositiveIntegerField()
    continuation = models.CharField(max_length=200, help_text="task name started when all parts are done")
    continuation_kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    fired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.key


class FanInPart(models.Model):
    fan_in = models.ForeignKey(FanIn, on_delete=models.CASCADE, related_name="parts")
    part = models.CharField(max_length=200)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fan_in", "part"], name="fan_in_part_once")]

    def __str__(self):
        return f"{self.fan_in}: {self.part}"
