"""Observing programs, as DKIST's Level 2 design (DKISTDC/level2) has them: the unit scientists
invert, its datasets from the metadata store, the scans that found them, the rules that qualify
them, the inversions uploaded and the file transfers made for them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from l2portal.ledger.models import Tracked, TransitionBase
from l2portal.ledger.states import StateMachine
from l2portal.registry.models import Product

from . import task_names
from .science.metadata import BoundingBox, DatasetInventory, Distribution, GosStatusCounts, HealthCounts

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
    # After an operator retry from Error, the step that failed starts again.
    step_tasks = {
        "invertible": task_names.PREPROCESS_PROGRAM,
        "inverted": task_names.PUBLISH_PROGRAM,
    }

    execution_id = models.CharField(
        "observing program execution id", max_length=128, unique=True, help_text="observingProgramExecutionId"
    )
    proposal_id = models.CharField(max_length=64, db_index=True, blank=True)
    experiment_id = models.CharField(max_length=64, blank=True)
    instruments = models.JSONField(default=list, blank=True)
    instrument_program_ids = models.JSONField(
        default=list, blank=True, help_text="instrumentProgramExecutionIds of its current datasets"
    )
    spectral_lines = models.JSONField(default=list, blank=True, help_text="lines found by qualification")
    dataset_count = models.PositiveIntegerField(default=0, help_text="current (not superseded) datasets")
    priority = models.IntegerField(default=0, db_index=True, help_text="higher comes first in the queue")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="programs"
    )
    last_changed = models.DateTimeField(
        null=True, blank=True, help_text="latest appearance or change of one of its datasets in the store"
    )
    ready_at = models.DateTimeField(null=True, blank=True, help_text="end of the settle period")
    needs_qualification = models.BooleanField(default=True, db_index=True)
    invertible = models.BooleanField(null=True, blank=True, db_index=True)
    qualification = models.JSONField(default=dict, blank=True, help_text="qualify.Qualification.to_dict()")
    qualified_at = models.DateTimeField(null=True, blank=True)
    rules_version = models.CharField(max_length=64, blank=True, help_text="rule set used to qualify it")
    manifest = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="inversion input",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-priority", "execution_id"]
        verbose_name = "observing program"
        indexes = [
            models.Index(fields=["-priority", "execution_id"], name="program_priority"),
            models.Index(fields=["state", "-priority", "execution_id"], name="program_queue"),
        ]

    def __str__(self):
        return self.execution_id


class ObservingProgramTransition(TransitionBase):
    subject = models.ForeignKey(ObservingProgram, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionBase.Meta):
        pass


# Dataset columns filled from a DatasetInventory attribute of the same name.
INVENTORY_COLUMNS = (
    "product_id",
    "primary_proposal_id",
    "primary_experiment_id",
    "observing_program_execution_id",
    "instrument_program_execution_id",
    "instrument_name",
    "start_time",
    "end_time",
    "create_date",
    "update_date",
    "wavelength_min",
    "wavelength_max",
    "stokes_parameters",
    "frame_count",
    "exposure_time",
    "is_embargoed",
    "embargo_end_date",
    "bucket",
    "browse_movie_url",
    "ao_locked",
)
# Columns holding a small structure as JSON, with how to rebuild it.
JSON_COLUMNS = {
    "spectral_lines": lambda value: tuple(value),
    "bounding_box": lambda value: BoundingBox(*value),
    "health": lambda value: HealthCounts(**value),
    "gos_status": lambda value: GosStatusCounts(**value),
    "light_level": lambda value: Distribution(**value),
    "fried_parameter": lambda value: Distribution(**value),
}


class Dataset(models.Model):
    """One metadata-store dataset inventory record, every field kept."""

    dataset_id = models.CharField(max_length=64, unique=True)
    program = models.ForeignKey(ObservingProgram, on_delete=models.PROTECT, related_name="datasets")
    superseded = models.BooleanField(
        default=False, db_index=True, help_text="a newer reprocessing of the same productId exists"
    )
    fingerprint = models.CharField(max_length=32, help_text="digest of the record, to see it change")
    first_seen_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(
        default=timezone.now, help_text="last time a scan found it new or changed"
    )

    product_id = models.CharField(max_length=128, blank=True, null=True, db_index=True)
    primary_proposal_id = models.CharField(max_length=64, blank=True, null=True, db_index=True)
    primary_experiment_id = models.CharField(max_length=64, blank=True, null=True)
    observing_program_execution_id = models.CharField(max_length=128)
    instrument_program_execution_id = models.CharField(max_length=128, blank=True, null=True)
    instrument_name = models.CharField(max_length=32, blank=True, null=True)
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    create_date = models.DateTimeField(null=True, blank=True)
    update_date = models.DateTimeField(null=True, blank=True)
    wavelength_min = models.FloatField("minimum wavelength (nm)", null=True, blank=True)
    wavelength_max = models.FloatField("maximum wavelength (nm)", null=True, blank=True)
    stokes_parameters = models.CharField(max_length=8, blank=True, null=True)
    spectral_lines = models.JSONField(null=True, blank=True)
    frame_count = models.IntegerField(null=True, blank=True)
    exposure_time = models.FloatField("exposure time (ms)", null=True, blank=True)
    bounding_box = models.JSONField(null=True, blank=True, help_text="[x1, y1, x2, y2] in arcsec")
    is_embargoed = models.BooleanField(null=True, blank=True)
    embargo_end_date = models.DateTimeField(null=True, blank=True)
    bucket = models.CharField(max_length=128, blank=True, null=True)
    browse_movie_url = models.CharField(max_length=1024, blank=True, null=True)
    health = models.JSONField(default=dict, blank=True, help_text="frame counts by health")
    gos_status = models.JSONField(default=dict, blank=True, help_text="frame counts by GOS status")
    ao_locked = models.IntegerField(default=0, help_text="frames with the AO locked")
    light_level = models.JSONField(null=True, blank=True)
    fried_parameter = models.JSONField("Fried parameter (m)", null=True, blank=True)

    class Meta:
        ordering = ["dataset_id"]

    def __str__(self):
        return self.dataset_id

    @property
    def field_of_view(self) -> str:
        """The bounding box as '(x1, y1) to (x2, y2)' arcsec."""
        if not self.bounding_box:
            return ""
        x1, y1, x2, y2 = self.bounding_box
        return f"({x1:g}, {y1:g}) to ({x2:g}, {y2:g})"

    def to_inventory(self) -> DatasetInventory:
        values = {name: getattr(self, name) for name in INVENTORY_COLUMNS}
        for name, rebuild in JSON_COLUMNS.items():
            value = getattr(self, name)
            values[name] = rebuild(value) if value not in (None, {}) else None
        values["health"] = values["health"] or HealthCounts()
        values["gos_status"] = values["gos_status"] or GosStatusCounts()
        return DatasetInventory(dataset_id=self.dataset_id, **values)


class Scan(models.Model):
    """One scan of the metadata store (or of offline response files)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=1024, help_text="store URL or offline files")
    proposal_id = models.CharField(max_length=64, blank=True, help_text="only this proposal, if set")
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    datasets_seen = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    programs_touched = models.PositiveIntegerField(default=0)
    programs_qualified = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    actor = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"scan {self.pk} of {self.source} [{self.status}]"


class QualificationRuleSet(models.Model):
    """Qualification rules as data: the newest row is in force; none means the settings' rules."""

    name = models.CharField(max_length=64, help_text="e.g. 'Fe I 630, health 80%'")
    rules = models.JSONField(help_text="keys of qualify.QualificationRules; missing keys keep the defaults")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.created_at:%Y-%m-%d})"


class Inversion(models.Model):
    """The results a scientist sent for an OP (by form or by Globus), and their publication."""

    program = models.ForeignKey(ObservingProgram, on_delete=models.PROTECT, related_name="inversions")
    inversion_id = models.CharField(
        max_length=32, unique=True, help_text="the data center's id of it, 'inv.' and 6 letters or digits"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    arrived_by = models.CharField(max_length=16, default="form", help_text="form or globus")
    software_commit = models.CharField(max_length=64, help_text="commit of the inversion software")
    datasets = models.ManyToManyField(Dataset, related_name="inversions", help_text="datasets inverted")
    quantities = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    fit_profiles = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    original_profiles = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    summary = models.JSONField(default=dict, blank=True, help_text="frames, slit, depth, wavelengths, lines")
    asdf = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="dataset file"
    )
    bucket = models.CharField(max_length=128, blank=True, help_text="object-store bucket it is published in")
    published_at = models.DateTimeField(null=True, blank=True)
    store_answer = models.JSONField(null=True, blank=True, help_text="createL2InversionInventory answer")

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"inversion {self.inversion_id} of {self.program}"

    @property
    def object_prefix(self) -> str:
        """Where its files are in the bucket: ``<proposalId>/<inversionId>``."""
        return f"{self.program.proposal_id}/{self.inversion_id}"


class Transfer(models.Model):
    """One movement of files for a program: its L1 frames into scratch, inversion results in by
    Globus, Level 2 products into the bucket. Progress while it runs, per-file results after."""

    class Purpose(models.TextChoices):
        FETCH = "fetch", "L1 frames to scratch"
        UPLOAD = "upload", "Inversion results by Globus"
        PUBLISH = "publish", "Level 2 to the bucket"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        ACTIVE = "active", "Transferring"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    RUNNING = (Status.QUEUED, Status.ACTIVE)

    program = models.ForeignKey(ObservingProgram, on_delete=models.PROTECT, related_name="transfers")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    backend = models.CharField(max_length=16, blank=True, help_text="local, http or globus")
    label = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=1024, blank=True)
    destination = models.CharField(max_length=1024, blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="the Globus task, for Globus transfers")
    resume = models.JSONField(default=dict, blank=True, help_text="what a restarted worker resumes from")
    files_total = models.PositiveIntegerField(null=True, blank=True)
    files_done = models.PositiveIntegerField(default=0)
    files_skipped = models.PositiveIntegerField(default=0, help_text="already there, identical")
    bytes_done = models.PositiveBigIntegerField(default=0)
    faults = models.PositiveIntegerField(default=0, help_text="faults seen (and retried) on the way")
    current = models.CharField(max_length=1024, blank=True)
    error = models.TextField(blank=True)
    events = models.JSONField(default=list, blank=True, help_text="faults: code, description, details, time")
    request = models.JSONField(default=dict, blank=True, help_text="what was asked: endpoint, path, datasets")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["program", "purpose", "-created_at"], name="transfer_program_purpose")
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} of {self.program} [{self.status}]"

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING


class TransferredFile(models.Model):
    """One file of a transfer: where it landed, its size, how it was verified, what went wrong."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=1024, help_text="relative to the destination")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    verified_by = models.CharField(max_length=32, help_text="sha256, or globus checksum")
    skipped = models.BooleanField(default=False, help_text="already there with the same content")
    faults = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["transfer", "path"], name="transferred_file_once")]

    def __str__(self):
        return self.path
