"""Observing programs (seeds/002): the unit scientists invert."""

from django.conf import settings
from django.db import models

from l2portal.ledger.models import Tracked, TransitionBase
from l2portal.ledger.states import StateMachine

PROGRAM_MACHINE = StateMachine(
    states=(
        ("discovered", "Discovered"),
        ("invertible", "Invertible"),
        ("not_invertible", "Not Invertible"),
        ("preprocessed", "Preprocessed"),
        ("working", "Working"),
        ("inverted", "Inverted"),
        ("published", "Published"),
        ("error", "Error"),
    ),
    initial="discovered",
    moves={
        "discovered": ("invertible", "not_invertible"),
        # Programs are re-qualified when their datasets change.
        "invertible": ("preprocessed", "not_invertible"),
        "not_invertible": ("invertible",),
        "preprocessed": ("working", "not_invertible"),
        "working": ("inverted", "preprocessed"),  # back to preprocessed: the scientist released it
        "inverted": ("published",),
    },
    final=frozenset({"published"}),
)


class ObservingProgram(Tracked):
    machine = PROGRAM_MACHINE

    execution_id = models.CharField(
        "observing program execution id", max_length=128, unique=True, help_text="observingProgramExecutionId"
    )
    proposal_id = models.CharField(max_length=64, db_index=True, blank=True)
    experiment_id = models.CharField(max_length=64, blank=True)
    instruments = models.JSONField(default=list, blank=True)
    priority = models.IntegerField(default=0, db_index=True, help_text="higher comes first in the queue")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="programs"
    )
    ready_at = models.DateTimeField(null=True, blank=True, help_text="end of the settle period")

    class Meta:
        ordering = ["-priority", "execution_id"]
        verbose_name = "observing program"

    def __str__(self):
        return self.execution_id


class ObservingProgramTransition(TransitionBase):
    subject = models.ForeignKey(ObservingProgram, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass
