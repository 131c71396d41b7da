"""Fermi-style processing units (seeds/000, seeds/003): downlinks split into chunks, data runs
merged across downlinks, reprocessing campaigns over ranges of runs, the per-run work of a
campaign, Bad Time Interval sets, FSSC deliveries and the switchover to a new processing."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from l2portal.ledger.models import Tracked, TransitionBase
from l2portal.ledger.states import StateMachine
from l2portal.registry.models import Collection, Product

from .science.ft2 import DEFAULT_DEFINITIONS

# HalfPipe (seeds/003): a downlink's chunks are decoded in parallel; the last one to finish plans
# one merge per run it touched; the downlink is done once each of those runs has its Level-1.
DOWNLINK_MACHINE = StateMachine(
    states=(
        ("received", "Received"),
        ("chunking", "Decoding chunks"),
        ("chunks_done", "Chunks decoded"),
        ("merging", "Merging runs"),
        ("done", "Done"),
        ("error", "Error"),
    ),
    initial="received",
    moves={
        "received": ("chunking",),
        "chunking": ("chunks_done",),
        "chunks_done": ("merging",),
        "merging": ("done",),
    },
    final=frozenset({"done"}),
)

CHUNK_MACHINE = StateMachine(
    states=(("queued", "Queued"), ("running", "Decoding"), ("done", "Done"), ("error", "Error")),
    initial="queued",
    moves={"queued": ("running",), "running": ("done",)},
    final=frozenset({"done"}),
)

DATA_RUN_MACHINE = StateMachine(
    states=(
        ("open", "Open"),
        ("merging", "Merging"),
        ("merged", "Merged"),
        ("level1_running", "Level 1 running"),
        ("level1_done", "Level 1 done"),
        ("error", "Error"),
    ),
    initial="open",
    moves={
        "open": ("merging",),
        "merging": ("merged",),
        # A run crossing downlinks is merged again into a new version when a later one brings more.
        "merged": ("level1_running", "merging"),
        "level1_running": ("level1_done",),
        "level1_done": ("merging",),
    },
)

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

# One product offered to the FSSC (seeds/000 step 8.3).
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

# seeds/000 steps 11-13: a date both sides agree on, then the switch is made.
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


class Downlink(Tracked):
    machine = DOWNLINK_MACHINE
    # An operator's retry of a downlink (failed with a chunk or a run) re-checks what is due.
    step_tasks = dict.fromkeys(("received", "chunking", "chunks_done"), "pipelines.tasks.advance_downlink")

    downlink_id = models.BigIntegerField(unique=True)
    chunk_count = models.PositiveIntegerField(default=0)
    folder = models.CharField(max_length=1024, blank=True, help_text="relative to the incoming root")
    generated_at = models.DateTimeField(null=True, blank=True, help_text="latest RetDef creation time")

    class Meta:
        ordering = ["-downlink_id"]

    def __str__(self):
        return f"downlink {self.downlink_id:09d}"


class Chunk(Tracked):
    machine = CHUNK_MACHINE
    step_tasks = dict.fromkeys(("queued", "running"), "pipelines.tasks.decode_chunk")

    downlink = models.ForeignKey(Downlink, on_delete=models.PROTECT, related_name="chunks")
    number = models.PositiveIntegerField()
    filename = models.CharField(max_length=255, blank=True, help_text="raw chunk, beside its RetDef")
    retdef = models.CharField(max_length=255, blank=True, help_text="RetDef file name")
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    span_start = models.FloatField(default=0.0, help_text="MET, s")
    span_stop = models.FloatField(default=0.0, help_text="MET, s")
    runs = models.JSONField(default=list, blank=True, help_text="run starts its RetDef names")
    created = models.DateTimeField(null=True, blank=True, help_text="RetDef creation time")
    records = models.PositiveIntegerField(null=True, blank=True, help_text="records decoded")

    class Meta:
        ordering = ["downlink", "number"]
        constraints = [models.UniqueConstraint(fields=["downlink", "number"], name="chunk_number_once")]

    def __str__(self):
        return f"chunk {self.number} of {self.downlink}"


class DataRun(Tracked):
    machine = DATA_RUN_MACHINE
    step_tasks = {
        "merging": "pipelines.tasks.merge_run",
        "merged": "pipelines.tasks.merge_run",
        "level1_running": "pipelines.tasks.level1_run",
    }

    run_id = models.BigIntegerField(unique=True, help_text="run start in MET seconds")
    downlinks = models.ManyToManyField(Downlink, blank=True, related_name="runs")

    class Meta:
        ordering = ["run_id"]
        verbose_name = "data run"

    def __str__(self):
        return f"r{self.run_id:010d}"

    @property
    def hex_start(self) -> str:
        return f"{self.run_id:08x}"


class ChunkEvents(models.Model):
    """The events of one run in one decoded chunk: a staging file, input of the run's merge."""

    chunk = models.ForeignKey(Chunk, on_delete=models.PROTECT, related_name="event_files")
    data_run = models.ForeignKey(DataRun, on_delete=models.PROTECT, related_name="chunk_events")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    events = models.PositiveIntegerField()

    class Meta:
        ordering = ["chunk", "data_run"]
        verbose_name_plural = "chunk events"
        constraints = [models.UniqueConstraint(fields=["chunk", "data_run"], name="chunk_events_once")]

    def __str__(self):
        return f"{self.data_run} in {self.chunk}"


class MergeVersion(models.Model):
    """What one downlink added to a run: merged into version N of the run's event file (the
    previous version plus this downlink's chunk files), then taken through Level 1."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        MERGED = "merged", "Merged"
        LEVEL1_DONE = "level1_done", "Level 1 done"

    data_run = models.ForeignKey(DataRun, on_delete=models.PROTECT, related_name="versions")
    downlink = models.ForeignKey(Downlink, on_delete=models.PROTECT, related_name="merge_versions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    events = models.PositiveIntegerField(null=True, blank=True, help_text="events in this version")
    added = models.PositiveIntegerField(null=True, blank=True, help_text="new since the previous version")
    duplicates = models.PositiveIntegerField(null=True, blank=True, help_text="records seen again, dropped")
    records = models.PositiveIntegerField(null=True, blank=True, help_text="chunk records read, all versions")
    level1_ft1 = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level1_ft2_1s = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level1_ft2_30s = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["data_run", "version"]
        constraints = [
            models.UniqueConstraint(fields=["data_run", "version"], name="merge_version_once"),
            models.UniqueConstraint(fields=["data_run", "downlink"], name="merge_version_per_downlink"),
        ]

    def __str__(self):
        return f"{self.data_run} v{self.version:03d}"


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


class Magic7Input(models.Model):
    """A magic7 telemetry file registered as the input of a data run; the latest one is used."""

    data_run = models.ForeignKey(DataRun, on_delete=models.PROTECT, related_name="magic7_inputs")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    met_start = models.FloatField(help_text="first MET of the run covered, s")
    met_stop = models.FloatField(help_text="end MET of the run covered, s")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["data_run", "-created_at", "-id"]
        verbose_name = "magic7 input"

    def __str__(self):
        return f"magic7 of {self.data_run}: {self.product.filename}"


class CampaignRun(Tracked):
    """The work of one campaign on one data run, with its products and QA results."""

    machine = CAMPAIGN_RUN_MACHINE
    # One task carries a run on from whichever step it is in (or failed in).
    step_tasks = dict.fromkeys(
        ("pending", "generating", "flagging", "validating"), "pipelines.tasks.process_campaign_run"
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


class BtiSetImmutable(Exception):
    pass


class BtiSet(models.Model):
    """A versioned set of Bad Time Intervals for one run; the latest submitted set is active.
    Submitted sets never change: a correction is a new version."""

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

    def __str__(self):
        return f"BTI set v{self.version} of {self.data_run}"

    def save(self, *args, **kwargs):
        if self.pk and BtiSet.objects.filter(pk=self.pk, submitted_at__isnull=False).exists():
            raise BtiSetImmutable(f"{self} was submitted and cannot change; submit a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.submitted_at is not None:
            raise BtiSetImmutable(f"{self} was submitted and cannot be deleted")
        return super().delete(*args, **kwargs)


class BtiInterval(models.Model):
    bti_set = models.ForeignKey(BtiSet, on_delete=models.CASCADE, related_name="intervals")
    start = models.FloatField(help_text="MET, s")
    stop = models.FloatField(help_text="MET, s (exclusive)")
    value = models.IntegerField(help_text="DATA_QUAL value: 1 good, 3 good with bad parts, 0 bad, <0 special")

    class Meta:
        ordering = ["bti_set", "start", "id"]
        verbose_name = "bad time interval"

    def __str__(self):
        return f"[{self.start}, {self.stop}) -> {self.value}"

    def save(self, *args, **kwargs):
        if BtiSet.objects.filter(pk=self.bti_set_id, submitted_at__isnull=False).exists():
            raise BtiSetImmutable(f"{self.bti_set} was submitted and cannot change; submit a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if BtiSet.objects.filter(pk=self.bti_set_id, submitted_at__isnull=False).exists():
            raise BtiSetImmutable(f"{self.bti_set} was submitted and cannot change; submit a new version")
        return super().delete(*args, **kwargs)


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
    """The switch of the FSSC to a campaign's products on an agreed date (seeds/000 steps 11-13)."""

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


class DownlinkTransition(TransitionBase):
    subject = models.ForeignKey(Downlink, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass


class ChunkTransition(TransitionBase):
    subject = models.ForeignKey(Chunk, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass


class DataRunTransition(TransitionBase):
    subject = models.ForeignKey(DataRun, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass


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
