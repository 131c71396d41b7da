"""HalfPipe's units of work (after the Fermi HalfPipe on s3df migration notes): downlinks split into
chunks, decoded in parallel; data runs merged across downlinks into versions, each taken through
Level 1; the magic7 telemetry of the runs their Level 1 (and the FT2 campaigns) read."""

from django.db import models
from django.utils import timezone

from l2portal.ledger.models import Tracked, TransitionBase
from l2portal.ledger.states import StateMachine
from l2portal.registry.models import Product

from .. import task_names

# A downlink's chunks are decoded in parallel; the last one to finish plans
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
        ("no_livetime_source", "Held: no livetime source"),
        ("error", "Error"),
    ),
    initial="open",
    moves={
        "open": ("merging",),
        "merging": ("merged",),
        # A run crossing downlinks is merged again into a new version when a later one brings more.
        "merged": ("level1_running", "merging"),
        # A run whose livetime source has nothing for it waits, files unwritten, for an operator to
        # resume its Level 1 once the source has it (or for a new downlink's version).
        "level1_running": ("level1_done", "no_livetime_source"),
        "no_livetime_source": ("level1_running", "merging"),
        "level1_done": ("merging",),
    },
)


class Downlink(Tracked):
    machine = DOWNLINK_MACHINE
    # An operator's retry of a downlink (failed with a chunk or a run) re-checks what is due.
    step_tasks = dict.fromkeys(("received", "chunking", "chunks_done"), task_names.ADVANCE_DOWNLINK)

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
    step_tasks = dict.fromkeys(("queued", "running"), task_names.DECODE_CHUNK)

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
        "merging": task_names.MERGE_RUN,
        "merged": task_names.MERGE_RUN,
        "level1_running": task_names.LEVEL1_RUN,
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
