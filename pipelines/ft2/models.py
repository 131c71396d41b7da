"""FT2 reprocessing (after the FT2 velocity change procedure, STGEN-165): campaigns over ranges of
data runs, the per-run work of a campaign, Bad Time Interval sets, FSSC deliveries and the
switchover to a new processing."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from l2portal.ledger.models import APPEND_ONLY, AppendOnlyError, AppendOnlyModel, Tracked, TransitionBase
from l2portal.ledger.states import StateMachine
from l2portal.registry.models import Collection, Product

from .. import task_names
from ..halfpipe.models import DataRun
from ..science.ft2 import DEFAULT_DEFINITIONS

CAMPAIGN_MACHINE = StateMachine(
    states=(
        ("defined", "Defined"),
        ("running", "Running"),
        ("validating", "Validating"),
        ("validated", "Validated"),
        ("released", "Released"),
        ("cancelled", "Cancelled"),
        ("error", "Error"),
    ),
    initial="defined",
    moves={
        "defined": ("running", "cancelled"),
        "running": ("validating", "cancelled"),
        "validating": ("validated", "running"),
        "validated": ("released", "running"),
    },
    final=frozenset({"released", "cancelled"}),
)

# One run of one campaign: FT2 files made, flagged with the active BTI set, validated, then offered
# to the FSSC. A re-run may flag a ready run again (new BTI set) or re-validate it.
CAMPAIGN_RUN_MACHINE = StateMachine(
    states=(
        ("pending", "Pending"),
        ("generating", "Generating FT2"),
        ("flagging", "Applying BTIs"),
        ("validating", "Validating"),
        ("ready", "Ready for FSSC"),
        ("delivered", "Ingested by FSSC"),
        ("error", "Error"),
    ),
    initial="pending",
    moves={
        "pending": ("generating",),
        "generating": ("flagging",),
        "flagging": ("validating",),
        "validating": ("ready",),
        "ready": ("flagging", "validating", "delivered"),
    },
    final=frozenset({"delivered"}),
)

# One product offered to the FSSC (step 8.3 of the procedure).
DELIVERY_MACHINE = StateMachine(
    states=(
        ("ready", "Ready for transfer"),
        ("transferred", "Transferred"),
        ("ingested", "Ingested"),
        ("failed", "Failed at FSSC"),
        ("error", "Error"),
    ),
    initial="ready",
    moves={
        "ready": ("transferred", "failed"),
        "transferred": ("ingested", "failed"),
        # The FSSC pulls a failed file again.
        "failed": ("transferred",),
    },
    final=frozenset({"ingested"}),
)

# Steps 11-13 of the procedure: a date both sides agree on, then the switch is made.
SWITCHOVER_MACHINE = StateMachine(
    states=(
        ("proposed", "Proposed"),
        ("operator_agreed", "Agreed by operator"),
        ("fssc_agreed", "Agreed by FSSC"),
        ("agreed", "Agreed by both"),
        ("l1_switched", "L1 software switched"),
        ("done", "Done"),
        ("cancelled", "Cancelled"),
        ("error", "Error"),
    ),
    initial="proposed",
    moves={
        "proposed": ("operator_agreed", "fssc_agreed", "cancelled"),
        "operator_agreed": ("agreed", "cancelled"),
        "fssc_agreed": ("agreed", "cancelled"),
        # The L1 software switch agreed with the date is made, then the FSSC's switch completes it.
        "agreed": ("l1_switched", "cancelled"),
        "l1_switched": ("done", "cancelled"),
    },
    final=frozenset({"done", "cancelled"}),
)


class ReprocessingCampaign(Tracked):
    machine = CAMPAIGN_MACHINE

    class Mode(models.TextChoices):
        CARRY_FORWARD = "carry-forward", "Carry forward the previous version (generate where there is none)"
        GENERATE = "generate", "Generate from magic7"

    class LivetimeSource(models.TextChoices):
        PREVIOUS_FT2 = "previous-ft2", "The previous FT2 version of the run"
        TABLE = "table", "A livetime table registered for the run"
        COMMAND = "command", "The configured livetime command"
        NONE = "none", "None: LIVETIME 0, never released"

    name = models.CharField(max_length=32, unique=True, help_text="processing name, e.g. P310")
    collection = models.OneToOneField(Collection, on_delete=models.PROTECT, related_name="campaign")
    first_run = models.BigIntegerField(null=True, blank=True)
    last_run = models.BigIntegerField(null=True, blank=True)
    runs = models.ManyToManyField(DataRun, blank=True, related_name="campaigns")
    description = models.TextField(blank=True)
    file_version = models.PositiveIntegerField(default=1, help_text="version of the FT2 files (v001)")
    data_qual = models.IntegerField(default=2, help_text="DATA_QUAL before BTIs are applied")
    lat_config = models.IntegerField(default=1)
    proc_ver = models.PositiveIntegerField(default=310)
    current_pass = models.PositiveIntegerField(default=0, help_text="how many times it was started")
    started_at = models.DateTimeField(null=True, blank=True)
    definitions = models.CharField(
        max_length=32, default=DEFAULT_DEFINITIONS, help_text="FT2 definition set of the derived columns"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.GENERATE)
    livetime_source = models.CharField(
        max_length=16,
        choices=LivetimeSource.choices,
        default=LivetimeSource.NONE,
        help_text="where generated files take LIVETIME from (carried-forward files keep their own)",
    )
    backfills = models.PositiveIntegerField(default=0, help_text="backfill passes made")
    backfilled_to = models.BigIntegerField(
        null=True, blank=True, help_text="last run the latest backfill reached"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "reprocessing campaign"

    def __str__(self):
        return self.name


class CampaignRun(Tracked):
    """The work of one campaign on one data run, with its products and QA results."""

    machine = CAMPAIGN_RUN_MACHINE
    # One task carries a run on from whichever step it is in (or failed in).
    step_tasks = dict.fromkeys(
        ("pending", "generating", "flagging", "validating"), task_names.PROCESS_CAMPAIGN_RUN
    )

    campaign = models.ForeignKey(ReprocessingCampaign, on_delete=models.PROTECT, related_name="campaign_runs")
    data_run = models.ForeignKey(DataRun, on_delete=models.PROTECT, related_name="campaign_runs")
    magic7 = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ft2_1s_unflagged = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ft2_30s_unflagged = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ft2_1s = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ft2_30s = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bti_set = models.ForeignKey(
        "BtiSet", null=True, blank=True, on_delete=models.PROTECT, related_name="campaign_runs"
    )
    parse_report = models.JSONField(default=dict, blank=True)
    coverage = models.JSONField(
        default=dict, blank=True, help_text="its 1-s rows against the run's span (science.ft2coverage)"
    )
    velocity_worst = models.FloatField(null=True, blank=True, help_text="worst velocity-check deviation, m/s")
    velocity_passed = models.BooleanField(null=True, blank=True)
    fitsverify = models.CharField(max_length=16, blank=True, help_text="ok, failed or not available")
    fitsverify_output = models.TextField(blank=True)
    comparison = models.CharField(max_length=16, blank=True, help_text="same, changed or none")
    comparison_summary = models.TextField(blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="the same run in the earlier campaign compared with",
    )  # fmt: skip
    qa_passed = models.BooleanField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    mode = models.CharField(max_length=16, blank=True, help_text="carry-forward or generate, once generated")
    previous_1s = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="the registered previous version (FT2/current) carried forward or compared with",
    )  # fmt: skip
    previous_30s = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provenance = models.JSONField(
        default=dict, blank=True, help_text="definition set, IGRF, library versions, livetime source"
    )
    livetime_source = models.CharField(max_length=16, blank=True, help_text="LIVETSRC of its files")
    comparison_details = models.JSONField(default=list, blank=True, help_text="differences by column and row")
    joined_pass = models.PositiveIntegerField(
        default=1, help_text="the pass it joined in (backfills: 2, ...)"
    )
    queued_pass = models.PositiveIntegerField(default=0, help_text="the pass it was last queued in")

    class Meta:
        ordering = ["campaign", "data_run__run_id"]
        verbose_name = "campaign run"
        constraints = [models.UniqueConstraint(fields=["campaign", "data_run"], name="campaign_run_once")]

    def __str__(self):
        return f"{self.campaign} {self.data_run}"

    @property
    def products(self) -> list[Product]:
        return [
            p
            for p in (self.ft2_1s_unflagged, self.ft2_30s_unflagged, self.ft2_1s, self.ft2_30s)
            if p is not None
        ]

    @property
    def without_livetime(self) -> bool:
        return self.livetime_source == "none"


class FsscHeldFile(models.Model):
    """One run file the FSSC says it holds for a campaign (its latest list replaces the one before)."""

    campaign = models.ForeignKey(ReprocessingCampaign, on_delete=models.PROTECT, related_name="fssc_files")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    listed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["campaign", "filename"]
        verbose_name = "file held at the FSSC"
        constraints = [models.UniqueConstraint(fields=["campaign", "filename"], name="fssc_file_once")]

    def __str__(self):
        return f"{self.filename} at the FSSC"


class BtiSet(AppendOnlyModel):
    """A versioned set of Bad Time Intervals for one run; the latest submitted set is active. A set
    is written once, submitted, with its intervals (the database refuses any change to either): a
    correction is a new version."""

    data_run = models.ForeignKey(DataRun, on_delete=models.PROTECT, related_name="bti_sets")
    version = models.PositiveIntegerField()
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    creator_label = models.CharField(max_length=255, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["data_run", "-version"]
        verbose_name = "BTI set"
        constraints = [models.UniqueConstraint(fields=["data_run", "version"], name="bti_set_version_once")]
        triggers = APPEND_ONLY

    def __str__(self):
        return f"BTI set v{self.version} of {self.data_run}"


class BtiInterval(AppendOnlyModel):
    """One interval of a BTI set, inserted with its set (submit_bti_set, in one bulk insert)."""

    bti_set = models.ForeignKey(BtiSet, on_delete=models.CASCADE, related_name="intervals")
    start = models.FloatField(help_text="MET, s")
    stop = models.FloatField(help_text="MET, s (exclusive)")
    value = models.IntegerField(help_text="DATA_QUAL value: 1 good, 3 good with bad parts, 0 bad, <0 special")

    class Meta:
        ordering = ["bti_set", "start", "id"]
        verbose_name = "bad time interval"
        triggers = APPEND_ONLY

    def __str__(self):
        return f"[{self.start}, {self.stop}) -> {self.value}"

    def save(self, *args, **kwargs):
        # Rows are not only never changed: none joins a set once it is written.
        raise AppendOnlyError(f"{self.bti_set} was submitted and cannot change; submit a new version")


class FsscDelivery(Tracked):
    """One product offered to the FSSC: pulled (transferred) and ingested, or failed there."""

    machine = DELIVERY_MACHINE

    product = models.OneToOneField(Product, on_delete=models.PROTECT, related_name="fssc_delivery")
    campaign_run = models.ForeignKey(CampaignRun, on_delete=models.PROTECT, related_name="deliveries")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "FSSC delivery"
        verbose_name_plural = "FSSC deliveries"

    def __str__(self):
        return f"delivery of {self.product.filename}"


class Switchover(Tracked):
    """The switch of the FSSC to a campaign's products on an agreed date (steps 11-13 of the procedure)."""

    machine = SWITCHOVER_MACHINE

    campaign = models.ForeignKey(ReprocessingCampaign, on_delete=models.PROTECT, related_name="switchovers")
    proposed_date = models.DateField()
    proposed_by = models.CharField(max_length=255)
    note = models.TextField(blank=True)
    l1_software = models.CharField(
        max_length=128, blank=True, help_text="ground software release L1 switches to, e.g. GR 20-10-04"
    )
    l1_from = models.DateTimeField(
        null=True, blank=True, help_text="UTC from which L1 makes new files with it (the backfill ends here)"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"switchover to {self.campaign} on {self.proposed_date}"


class ReprocessingCampaignTransition(TransitionBase):
    subject = models.ForeignKey(ReprocessingCampaign, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass


class CampaignRunTransition(TransitionBase):
    subject = models.ForeignKey(CampaignRun, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass


class FsscDeliveryTransition(TransitionBase):
    subject = models.ForeignKey(FsscDelivery, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass


class SwitchoverTransition(TransitionBase):
    subject = models.ForeignKey(Switchover, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass
