"""History that no one rewrites: tracked objects with their append-only transitions, and the
ledger's event log."""

from __future__ import annotations

import uuid
from typing import ClassVar

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .. import conf
from ..states import StateMachine

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
    # state -> the task that does the work of that state: retry() starts it again for an object
    # sent back there, and pages offer a retry only where a state has one.
    step_tasks: ClassVar[dict[str, str]] = {}

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


class LedgerEvent(AppendOnlyModel):
    """Things refused or noteworthy that did not change state: a disallowed move, a rejected
    checksum. Append-only like transitions, so a refusal leaves a trace even though nothing moved."""

    # Events written before global ids existed have none (history is never rewritten); an export
    # names them by a uuid derived from their site and number.
    uuid = models.UUIDField(unique=True, null=True, default=uuid.uuid4, editable=False)
    site = models.CharField(max_length=32, default=conf.site_id, editable=False)
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
