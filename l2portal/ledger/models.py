"""What every domain shares: tracked objects with append-only history, collections, products,
executions (provenance) and fan-in counters."""

from __future__ import annotations

import uuid
from typing import ClassVar

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .states import StateMachine

# The database refuses to change history: these triggers make a table append-only on PostgreSQL.
APPEND_ONLY = [
    pgtrigger.Protect(name="append_only_no_update", operation=pgtrigger.Update),
    pgtrigger.Protect(name="append_only_no_delete", operation=pgtrigger.Delete),
]


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    """Rows are written once. The database triggers enforce it; this catches it earlier in Python."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class Tracked(models.Model):
    """A unit of data work with a state machine. Subclasses set ``machine`` and declare a
    transition model (a TransitionBase subclass with ``subject = ForeignKey(<model>,
    related_name="transitions")``). Change ``state`` only through ledger.services.transition()."""

    machine: ClassVar[StateMachine]

    state = models.CharField(max_length=32, db_index=True)
    state_changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.state:
            self.state = self.machine.initial
        super().save(*args, **kwargs)

    @property
    def state_label(self) -> str:
        return self.machine.label(self.state)

    @classmethod
    def transition_model(cls) -> type[TransitionBase]:
        return cls._meta.get_field("transitions").related_model


class TransitionBase(AppendOnlyModel):
    """One move of a tracked object: from/to state, when, who (user, or task name + id), why."""

    from_state = models.CharField(max_length=32)
    to_state = models.CharField(max_length=32, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_task = models.CharField(max_length=200, blank=True)
    actor_task_id = models.CharField(max_length=64, blank=True)
    actor = models.CharField(max_length=255, help_text="who moved it, as shown to people")
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
        triggers = APPEND_ONLY

    def __str__(self):
        return f"{self.from_state} -> {self.to_state} by {self.actor} at {self.at:%Y-%m-%d %H:%M:%S}"


class Collection(models.Model):
    """A named group of products (seeds/001). RUN: products written by one processing, e.g. P310;
    its name appears in every product's path and file name. CHAINED: an ordered search path of
    other collections, so a campaign can be looked up as one name across several runs."""

    class Kind(models.TextChoices):
        RUN = "run", "Run"
        CHAINED = "chained", "Chained"

    name = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RUN)
    description = models.TextField(blank=True)
    children = models.ManyToManyField("self", through="CollectionChild", symmetrical=False, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="purge products after this time")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CollectionChild(models.Model):
    parent = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="child_links")
    child = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="parent_links")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "position"], name="collection_child_position"),
            models.UniqueConstraint(fields=["parent", "child"], name="collection_child_once"),
        ]

    def __str__(self):
        return f"{self.parent} #{self.position}: {self.child}"


class Execution(models.Model):
    """One run of a task or service step, recorded as it happens (seeds/001: provenance at execution)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        LOST = "lost", "Lost (its worker died)"

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

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self):
        return f"{self.task_name} [{self.status}] {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None


class TaskIntent(models.Model):
    """Work asked for, kept until it has run (the durable outbox).

    ``enqueue()`` writes it in the same transaction as the state change that asks for the work; the
    relay sends it to the broker after commit (and again later if the broker was down); it is done
    when an Execution of it finishes. The reconciler sends again an intent whose message was lost
    (a broker restart, a killed worker) while its subject still waits in ``waiting_state``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the broker"
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


class Product(models.Model):
    """A file the system wrote, registered with its checksum, type and RUN collection."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        PURGED = "purged", "Purged"

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="products")
    path = models.CharField(max_length=1024, unique=True, help_text="relative to the data root")
    product_type = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    produced_by = models.ForeignKey(
        Execution, null=True, blank=True, on_delete=models.PROTECT, related_name="outputs"
    )
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PRESENT, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.path

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


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


class LedgerEvent(AppendOnlyModel):
    """Things refused or noteworthy that did not change state: a disallowed move, a rejected
    checksum. Append-only like transitions, so a refusal leaves a trace even though nothing moved."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=64, db_index=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    actor = models.CharField(max_length=255)
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        triggers = APPEND_ONLY
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self):
        return f"{self.kind}: {self.message}"
