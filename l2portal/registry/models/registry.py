"""The data registry, after the LSST Gen3 Butler: instruments, collections,
products, tags and retention rules.

A product belongs to exactly one RUN collection (its name is in the product's path); TAGGED
collections are named sets products join and leave, every change kept in TagChange; CHAINED
collections are ordered search paths of other collections. Products, collections and executions
carry a UUID and the id of the site that made them, so two sites' registries merge without
renumbering; integer keys stay local to a database."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ...ledger import conf
from ...ledger.models.history import APPEND_ONLY, AppendOnlyModel
from ...ledger.models.work import Execution

# The registry's tables were created under the ledger's Django app; they keep its label (and its
# migrations keep their history), so the move to this package rewrote no data.
APP_LABEL = "ledger"

# An instrument's id is derived from its short name: registered anywhere, it is the same record.
INSTRUMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "l2portal:instrument")


def instrument_uuid(name: str) -> uuid.UUID:
    return uuid.uuid5(INSTRUMENT_NAMESPACE, name)


class Instrument(models.Model):
    """An instrument registered once (the LSST Gen3 Butler notes: "not have to specify instrument class
    with every ingest"): ingests name it by ``name`` only; its ``dimensions`` are the keys of its data ids."""

    name = models.CharField(max_length=32, unique=True, help_text="short name used at ingest, e.g. LAT")
    full_name = models.CharField(max_length=200)
    observatory = models.CharField(max_length=100)
    dimensions = models.JSONField(help_text='keys of a data id, in order, e.g. ["mous", "eb"]')
    description = models.TextField(blank=True)
    uuid = models.UUIDField(unique=True, editable=False)
    site = models.CharField(max_length=32, default=conf.site_id, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        app_label = APP_LABEL
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.uuid = instrument_uuid(self.name)
        super().save(*args, **kwargs)


class Collection(models.Model):
    """A named group of products (the LSST Gen3 Butler notes). RUN: the products one processing wrote, e.g.
    P310, with the host, time span and software versions of that processing. TAGGED: a named set products
    join and leave at any time ("sent to the FSSC on 2019-07-01"). CHAINED: an ordered search path
    of other collections; a lookup returns the first match (``FT2/current`` = [P310, P202])."""

    class Kind(models.TextChoices):
        RUN = "run", "Run"
        TAGGED = "tagged", "Tagged"
        CHAINED = "chained", "Chained"

    name = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RUN)
    description = models.TextField(blank=True)
    children = models.ManyToManyField("self", through="CollectionChild", symmetrical=False, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="purge products after this time")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False, help_text="id across sites")
    site = models.CharField(max_length=32, default=conf.site_id, editable=False)
    host = models.CharField(max_length=255, blank=True, help_text="RUN: the host that started it")
    began_at = models.DateTimeField(null=True, blank=True, help_text="RUN: when it started")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="RUN: its last product so far")
    software = models.JSONField(default=dict, blank=True, help_text="RUN: software versions it started with")

    class Meta:
        app_label = APP_LABEL
        ordering = ["name"]

    def __str__(self):
        return self.name


class CollectionChild(models.Model):
    parent = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="child_links")
    child = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="parent_links")
    position = models.PositiveIntegerField()

    class Meta:
        app_label = APP_LABEL
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "position"], name="collection_child_position"),
            models.UniqueConstraint(fields=["parent", "child"], name="collection_child_once"),
        ]

    def __str__(self):
        return f"{self.parent} #{self.position}: {self.child}"


class Product(models.Model):
    """A file the system wrote, registered with its checksum, type, RUN collection, instrument and
    data id. A RUN holds one current product per type and data id (as a Butler RUN does); a forced
    re-run writes a new version that replaces the current one, which stays registered."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        PURGED = "purged", "Purged"

    # Its identity is provenance: written once (ledger.database); a purge marks the row, a new
    # version is a new row, and the row itself is never removed.
    write_once_fields: ClassVar[tuple[str, ...]] = (
        "uuid",
        "site",
        "collection",
        "path",
        "product_type",
        "size",
        "sha256",
        "produced_by",
        "created_at",
        "version",
        "replaces",
    )

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="products")
    path = models.CharField(max_length=1024, help_text="relative to the data root")
    product_type = models.CharField(max_length=64)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    produced_by = models.ForeignKey(
        Execution, null=True, blank=True, on_delete=models.PROTECT, related_name="outputs"
    )
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PRESENT)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    purge_reason = models.CharField(max_length=255, blank=True)
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False, help_text="id across sites")
    site = models.CharField(max_length=32, default=conf.site_id, editable=False)
    instrument = models.ForeignKey(
        Instrument, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    data_id = models.JSONField(default=dict, blank=True, help_text='e.g. {"run": 545208791}')
    # "LAT|run=545208791|": the instrument and data id as one indexed, searchable text.
    data_key = models.CharField(max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True, help_text="not replaced by a newer version or a rewrite")
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    class Meta:
        app_label = APP_LABEL
        ordering = ["-created_at", "-id"]
        # One index a column (a million products write each one): pattern indexes also answer
        # equality, so a path or data key is found whole or by its beginning with the same one.
        indexes = [
            models.Index(fields=["path"], name="product_path_pattern", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["data_key"], name="product_data_key_pattern", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["product_type"], name="product_type_idx"),
            models.Index(fields=["sha256"], name="product_sha256_idx"),
            models.Index(fields=["status"], name="product_status_idx"),
        ]
        constraints = [
            # A path holds one present file; a purged product's path may be written again.
            models.UniqueConstraint(
                fields=["path"], condition=Q(status="present"), name="product_present_path_once"
            ),
            models.UniqueConstraint(
                fields=["collection", "product_type", "data_key"],
                condition=Q(current=True) & ~Q(data_key=""),
                name="product_current_once_per_data_id",
            ),
        ]

    def __str__(self):
        return self.path

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class TagMembership(models.Model):
    """A product in a TAGGED collection now (its history is in TagChange). Type and data key are
    copied here so a lookup through a tag is one indexed query."""

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="memberships")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="memberships")
    product_type = models.CharField(max_length=64)
    data_key = models.CharField(max_length=255, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = APP_LABEL
        constraints = [
            models.UniqueConstraint(fields=["collection", "product"], name="tag_member_once"),
            models.UniqueConstraint(
                fields=["collection", "product_type", "data_key"],
                condition=~Q(data_key=""),
                name="tag_one_per_data_id",
            ),
        ]

    def __str__(self):
        return f"{self.collection}: {self.product}"


class TagChange(AppendOnlyModel):
    """A product joining or leaving a TAGGED collection: the tag's history, never rewritten."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        REMOVED = "removed", "Removed"

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    site = models.CharField(max_length=32, default=conf.site_id, editable=False)
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="tag_changes")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="tag_changes")
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=255)
    reason = models.TextField(blank=True)

    class Meta:
        app_label = APP_LABEL
        ordering = ["at", "id"]
        triggers = APPEND_ONLY

    def __str__(self):
        return f"{self.product} {self.action} {self.collection} by {self.actor}"


class RetentionRule(models.Model):
    """How long products of a type (and/or in a collection) keep their files. The most specific
    enabled rule that matches a product decides (type and collection, then type, then collection);
    a "never" rule matching it anywhere protects it. Rows and provenance always stay."""

    class Keep(models.TextChoices):
        FOREVER = "forever", "Never purge"
        AFTER_CREATED = "after_created", "N days after it was written"
        AFTER_CONSUMERS = "after_consumers", "N days after every task that read it finished"
        AFTER_SUCCESSOR = "after_successor", "N days after a product of the successor type was made from it"

    name = models.CharField(max_length=100, unique=True)
    product_type = models.CharField(max_length=64, blank=True, help_text="empty: every type")
    collection = models.ForeignKey(
        Collection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retention_rules",
        help_text="a RUN or TAGGED collection; empty: every collection",
    )
    keep = models.CharField(max_length=32, choices=Keep.choices)
    days = models.PositiveIntegerField(default=0)
    successor_type = models.CharField(
        max_length=64, blank=True, help_text='for "after successor": e.g. ft2_1s for ft2_1s_unflagged'
    )
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        app_label = APP_LABEL
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def specificity(self) -> int:
        return 2 * bool(self.product_type) + bool(self.collection_id)

    def clean(self):
        if not self.product_type and not self.collection_id:
            raise ValidationError(
                "name a product type, a collection or both: a rule for everything is refused"
            )
        if self.collection_id and self.collection.kind == Collection.Kind.CHAINED:
            raise ValidationError({"collection": "name a RUN or TAGGED collection, not a chain"})
        if self.keep == self.Keep.AFTER_SUCCESSOR and not self.successor_type:
            raise ValidationError({"successor_type": "name the type whose making starts the countdown"})
        if self.keep != self.Keep.AFTER_SUCCESSOR and self.successor_type:
            raise ValidationError({"successor_type": 'only "after successor" rules have a successor type'})
        if self.keep == self.Keep.FOREVER and self.days:
            raise ValidationError({"days": "a rule that never purges has no days"})
        same = RetentionRule.objects.filter(
            product_type=self.product_type, collection_id=self.collection_id, enabled=True
        ).exclude(pk=self.pk)
        if self.enabled and same.exists():
            raise ValidationError(
                f"rule {same.first()} already covers this type and collection; edit it instead"
            )
