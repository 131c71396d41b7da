"""MOUS restore requests (seeds/004)."""

from django.conf import settings
from django.db import models

from l2portal.ledger.models import Tracked, TransitionBase
from l2portal.ledger.states import StateMachine

RESTORE_MACHINE = StateMachine(
    states=(
        ("requested", "Requested"),
        ("checked", "Checked"),
        ("not_restorable", "Not restorable"),
        ("staged", "Staged"),
        ("prepared", "Prepared"),
        ("running", "Running"),
        ("restored", "Restored"),
        ("cancelled", "Cancelled"),
        ("error", "Error"),
    ),
    initial="requested",
    moves={
        "requested": ("checked", "not_restorable", "cancelled"),
        "checked": ("staged", "cancelled"),
        "staged": ("prepared", "cancelled"),
        "prepared": ("running", "cancelled"),
        "running": ("restored", "cancelled"),
    },
    final=frozenset({"restored", "not_restorable", "cancelled"}),
)


class RestoreRequest(Tracked):
    machine = RESTORE_MACHINE

    mous_uid = models.CharField("MOUS uid", max_length=64, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="restores"
    )
    restorable = models.BooleanField(null=True, blank=True)
    restorable_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "restore request"

    def __str__(self):
        return f"restore of {self.mous_uid} #{self.pk}"


class RestoreRequestTransition(TransitionBase):
    subject = models.ForeignKey(RestoreRequest, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass
