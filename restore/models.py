"""MOUS restore requests: an ALMA member OUS brought back to its calibrated state, the restore that
NRAO's AAT/PPI notes on MOUS-level ALMA restores (open-confluence.nrao.edu) describe."""

from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse

from l2portal.ledger.models import Tracked, TransitionBase
from l2portal.ledger.states import StateMachine
from restore.science.layout import RestoreLayout

from . import task_names

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
    """A restore of one ALMA member OUS, from the archive check to the pipeline run."""

    machine = RESTORE_MACHINE
    step_tasks = {
        "requested": task_names.CHECK,
        "checked": task_names.STAGE,
        "staged": task_names.PREPARE,
        "prepared": task_names.RUN,
        "running": task_names.RUN,
    }

    mous_uid = models.CharField("MOUS uid", max_length=64, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="restores"
    )
    force_ppr = models.BooleanField(
        "PPR route forced",
        default=False,
        help_text="an operator asked for the PPR route whatever the script needs",
    )
    restore_parameters = models.JSONField(
        default=dict,
        blank=True,
        help_text="parameters of the restore tasks set by the request: {task: {parameter: value}}",
    )
    software = models.JSONField(
        default=dict, blank=True, help_text="pipeline commands and pipeline task list the restore runs with"
    )
    product_store = models.CharField(
        max_length=1024, blank=True, help_text="NGAS server or folder the products are staged from"
    )
    # The "can we restore?" answer, recorded before anything is downloaded.
    restorable = models.BooleanField(null=True, blank=True)
    restorable_reason = models.TextField(blank=True)
    # The restore plan: project, SOUS/GOUS, sessions, DataSet EBs, route, what runs (plan.plan_summary).
    plan = models.JSONField(default=dict, blank=True)
    sessions_table = models.JSONField(default=list, blank=True, help_text="one row per EB")
    warnings = models.JSONField(default=list, blank=True)
    layout_root = models.CharField(
        max_length=1024, blank=True, help_text="SCIPIPE_ROOTDIR of this restore (absolute)"
    )
    ppr = models.ForeignKey(
        "ledger.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    restore_script = models.ForeignKey(
        "ledger.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the restore script generated for the restore-script route",
    )
    log_path = models.CharField(max_length=1024, blank=True, help_text="pipeline log (absolute)")
    exit_code = models.IntegerField(null=True, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True, help_text="pipeline process (group) id")
    host = models.CharField(max_length=255, blank=True)
    watcher_pid = models.PositiveIntegerField(
        null=True, blank=True, help_text="process of the task watching the pipeline (on host)"
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="last sign of life of the task watching the pipeline"
    )
    cancel_requested = models.BooleanField(default=False)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_note = models.CharField(max_length=255, blank=True)
    output_products = models.ManyToManyField(
        "ledger.Product", blank=True, related_name="+", help_text="what the pipeline runs left, registered"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "restore request"

    def __str__(self):
        return f"restore of {self.mous_uid} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("restore:detail", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.state in self.machine.final

    @cached_property
    def layout(self) -> RestoreLayout | None:
        """Where the restore works on disk, once staging has laid it out (None before); computed
        once per loaded request."""
        if not self.layout_root:
            return None
        plan = self.plan
        return RestoreLayout(
            Path(self.layout_root), plan["project_code"], plan["sous_uid"], plan["gous_uid"], self.mous_uid
        )

    @property
    def run_file(self):
        """The PPR or the restore script that runs (once prepared)."""
        return self.restore_script or self.ppr

    @property
    def progress_percent(self) -> int:
        return round(100 * self.progress_done / self.progress_total) if self.progress_total else 0


class StagedFile(models.Model):
    """One file a restore stages: a raw ASDM (exported) or a product (fetched and verified).

    Rows survive a failed or interrupted staging so the next attempt skips what is verified."""

    class Kind(models.TextChoices):
        ASDM = "asdm", "Raw ASDM"
        PRODUCT = "product", "Product"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Failed"

    request = models.ForeignKey(RestoreRequest, on_delete=models.CASCADE, related_name="staged_files")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=256, help_text="NGAS file id, or the EB uid of an ASDM")
    file_class = models.CharField(max_length=16, blank=True, help_text="calibration or script")
    relative_path = models.CharField(max_length=1024, help_text="inside the MOUS folder")
    expected_size = models.BigIntegerField(null=True, blank=True, help_text="as the store holds it")
    checksum_variant = models.CharField(max_length=16, blank=True, help_text="NGAS CRC variant")
    checksum = models.CharField(
        max_length=20, blank=True, help_text="the store's CRC, which the file matched"
    )
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="the portal's own checksum")
    product = models.ForeignKey(
        "ledger.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the verified file, registered as an input of the restore",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "name"], name="staged_file_once"),
        ]

    def __str__(self):
        return f"{self.relative_path} ({self.status})"


class RestoreRequestTransition(TransitionBase):
    subject = models.ForeignKey(RestoreRequest, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass
