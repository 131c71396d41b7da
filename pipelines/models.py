"""Fermi-style processing units (seeds/000, seeds/003): downlinks split into chunks, data runs
merged across downlinks, reprocessing campaigns over ranges of runs."""

from django.db import models

from l2portal.ledger.models import Collection, Tracked, TransitionBase
from l2portal.ledger.states import StateMachine

DOWNLINK_MACHINE = StateMachine(
    states=(
        ("received", "Received"),
        ("chunked", "Chunked"),
        ("processing", "Processing chunks"),
        ("merging", "Merging"),
        ("done", "Done"),
        ("error", "Error"),
    ),
    initial="received",
    moves={
        "received": ("chunked",),
        "chunked": ("processing",),
        "processing": ("merging",),
        "merging": ("done",),
    },
    final=frozenset({"done"}),
)

CHUNK_MACHINE = StateMachine(
    states=(("pending", "Pending"), ("running", "Running"), ("done", "Done"), ("error", "Error")),
    initial="pending",
    moves={"pending": ("running",), "running": ("done",)},
    final=frozenset({"done"}),
)

DATA_RUN_MACHINE = StateMachine(
    states=(
        ("open", "Open"),
        ("merging", "Merging"),
        ("merged", "Merged"),
        ("level1_launched", "Level 1 launched"),
        ("error", "Error"),
    ),
    initial="open",
    moves={
        "open": ("merging",),
        "merging": ("merged",),
        # A run crossing downlinks is merged again when a later downlink brings more of it.
        "merged": ("level1_launched", "merging"),
        "level1_launched": ("merging",),
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


class Downlink(Tracked):
    machine = DOWNLINK_MACHINE

    downlink_id = models.BigIntegerField(unique=True)
    chunk_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-downlink_id"]

    def __str__(self):
        return f"downlink {self.downlink_id}"


class Chunk(Tracked):
    machine = CHUNK_MACHINE

    downlink = models.ForeignKey(Downlink, on_delete=models.PROTECT, related_name="chunks")
    number = models.PositiveIntegerField()

    class Meta:
        ordering = ["downlink", "number"]
        constraints = [models.UniqueConstraint(fields=["downlink", "number"], name="chunk_number_once")]

    def __str__(self):
        return f"chunk {self.number} of {self.downlink}"


class DataRun(Tracked):
    machine = DATA_RUN_MACHINE

    run_id = models.BigIntegerField(unique=True, help_text="run start in MET seconds")
    downlinks = models.ManyToManyField(Downlink, blank=True, related_name="runs")

    class Meta:
        ordering = ["run_id"]
        verbose_name = "data run"

    def __str__(self):
        return f"r{self.run_id:010d}"


class ReprocessingCampaign(Tracked):
    machine = CAMPAIGN_MACHINE

    name = models.CharField(max_length=32, unique=True, help_text="processing name, e.g. P310")
    collection = models.OneToOneField(Collection, on_delete=models.PROTECT, related_name="campaign")
    first_run = models.BigIntegerField(null=True, blank=True)
    last_run = models.BigIntegerField(null=True, blank=True)
    runs = models.ManyToManyField(DataRun, blank=True, related_name="campaigns")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "reprocessing campaign"

    def __str__(self):
        return self.name


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
