"""The ledger's own lists as PortalTables: products, collections, runs (Executions) and the change
log. Their querysets come from ledger.selectors.lists, which selects what the columns show in a
fixed number of queries per page."""

from __future__ import annotations

import django_tables2 as tables
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..portal.tables import (
    DurationColumn,
    ExecutionColumn,
    LongTextColumn,
    ObjectColumn,
    PortalTable,
    ProductColumn,
    RunStatusColumn,
    SubjectColumn,
    TimeColumn,
)


def _pairs(data_id: dict) -> str:
    return " ".join(f"{key}={value}" for key, value in data_id.items())


class ProductTable(PortalTable):
    """Registered files: each links to its page and downloads (resumable)."""

    caption = "Products"
    product = ProductColumn(order_by=("path",))
    collection = tables.Column(accessor="collection__name", verbose_name="Collection")
    product_type = tables.Column(verbose_name="Type")
    data_id = tables.Column(verbose_name="Data id", order_by=("data_key",), empty_values=())
    version = tables.Column(verbose_name="Version")
    status = tables.Column(verbose_name="Status")
    size = tables.Column(verbose_name="Size")
    tags = tables.Column(verbose_name="Tags", accessor="pk", orderable=False)
    created_at = TimeColumn(verbose_name="Written")
    sha256 = tables.Column(verbose_name="SHA-256", attrs={"td": {"class": "checksum"}})

    default_columns = ("collection", "product_type", "data_id", "version", "status", "size", "created_at")
    exempt_columns = ("product",)

    class Meta(PortalTable.Meta):
        empty_text = "No products."

    def render_collection(self, value, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("registry:collection", args=[record.collection_id]), value
        )

    def render_data_id(self, value, record):
        if not record.instrument_id:
            return "—"
        return format_html('<span class="instrument">{}</span> {}', record.instrument.name, _pairs(value))

    def value_data_id(self, value, record):
        return f"{record.instrument.name} {_pairs(value)}" if record.instrument_id else ""

    def render_version(self, value, record):
        return f"v{value}" if record.current else f"v{value} (replaced)"

    def render_status(self, value, record):
        return format_html('<span class="badge status-{}">{}</span>', record.status, value)

    def render_size(self, value):
        return filesizeformat(value)

    def value_size(self, value):
        return value

    def render_tags(self, record):
        links = (
            (reverse("registry:collection", args=[m.collection_id]), m.collection.name)
            for m in record.tag_list
        )
        return format_html_join(", ", '<a href="{}">{}</a>', links) or "—"

    def value_tags(self, record):
        return " ".join(m.collection.name for m in record.tag_list)


class SearchTable(ProductTable):
    """Products found by the search: where each is and which tags hold it."""

    caption = "Products found"
    default_columns = ("collection", "product_type", "data_id", "tags", "status", "created_at")

    class Meta(ProductTable.Meta):
        empty_text = (
            "Nothing matches. Widen the search: leave out the time, or search a chain, not one collection."
        )


class CollectionTable(PortalTable):
    """RUN, TAGGED and CHAINED collections with what they hold."""

    caption = "Collections"
    name = ObjectColumn(verbose_name="Collection")
    kind = tables.Column(verbose_name="Kind")
    products = tables.Column(verbose_name="Products", accessor="present", empty_values=())
    size = tables.Column(verbose_name="Size", accessor="present_size")
    where = tables.Column(
        verbose_name="Search path, or where it ran", accessor="host", orderable=False, empty_values=()
    )
    created_at = TimeColumn(verbose_name="Created")

    default_columns = ("kind", "products", "size", "where")
    exempt_columns = ("name",)

    class Meta(PortalTable.Meta):
        empty_text = "No collection yet: processing makes RUN collections as it writes its products."

    def render_kind(self, value, record):
        return format_html('<span class="badge kind-{}">{}</span>', record.kind, value)

    def render_products(self, record):
        if record.kind == "run":
            return f"{record.present} (+{record.purged} purged)" if record.purged else str(record.present)
        return str(record.members) if record.kind == "tagged" else "—"

    def value_products(self, record):
        return {"run": record.present, "tagged": record.members}.get(record.kind, "")

    def render_size(self, value, record):
        return filesizeformat(value or 0) if record.kind == "run" else "—"

    def value_size(self, value):
        return value or 0

    def render_where(self, record):
        if record.kind == "chained":
            links = (
                (link.child.kind, reverse("registry:collection", args=[link.child_id]), link.child.name)
                for link in record.child_links.all()
            )
            items = format_html_join("", '<li class="kind-{}"><a href="{}">{}</a></li>', links)
            return format_html('<ol class="chain">{}</ol>', items) if items else "an empty search path"
        if record.kind == "run":
            began = f", {record.began_at:%Y-%m-%d %H:%M}" if record.began_at else ""
            return f"{record.host or 'host not recorded'}{began}"
        return record.description

    def value_where(self, record):
        if record.kind == "chained":
            return " > ".join(link.child.name for link in record.child_links.all())
        return record.host if record.kind == "run" else record.description


class ExecutionTable(PortalTable):
    """Runs of tasks and service steps, each one click from its log."""

    caption = "Executions"
    task_name = ExecutionColumn()
    status = RunStatusColumn()
    subject = SubjectColumn()
    host = tables.Column(verbose_name="Host")
    worker = tables.Column(verbose_name="Worker")
    started_at = TimeColumn(verbose_name="Started")
    took = DurationColumn()
    task_id = tables.Column(verbose_name="Task id")

    default_columns = ("status", "subject", "host", "started_at", "took")
    exempt_columns = ("task_name",)

    class Meta(PortalTable.Meta):
        empty_text = "Nothing has run yet."


class RecentExecutionTable(ExecutionTable):
    """The dashboard's newest runs: a fixed slice, in the order they started."""

    caption = "Recent executions"

    class Meta(ExecutionTable.Meta):
        orderable = False


class ChangeTable(PortalTable):
    """The change log: every move of every tracked object and every ledger event."""

    caption = "Change log"
    lazy_pagination = True  # no COUNT over all history for a page of 50
    at = TimeColumn(verbose_name="When")
    kind = tables.Column(verbose_name="What")
    subject = SubjectColumn(label_of=lambda record: record.subject_model)
    change = tables.Column(verbose_name="Change", accessor="to_state", orderable=False, empty_values=())
    actor = tables.Column(verbose_name="Who")
    message = LongTextColumn(verbose_name="Why")

    default_columns = ("kind", "subject", "change", "actor", "message")
    exempt_columns = ("at",)

    class Meta(PortalTable.Meta):
        empty_text = "Nothing matches; widen the time span or clear a filter."
        orderable = False  # newest first: the order the database reads history in

    def render_kind(self, value):
        return format_html('<span class="badge kind-{}">{}</span>', value, value.replace("_", " "))

    def render_change(self, record):
        if record.kind != "transition":
            return "—"
        return format_html(
            '<span class="state-from">{}</span> → <span class="badge state-{}">{}</span>',
            record.from_state,
            record.to_state,
            record.to_state,
        )

    def value_change(self, record):
        return f"{record.from_state} -> {record.to_state}" if record.kind == "transition" else ""


class RecentChangeTable(ChangeTable):
    """The dashboard's newest changes; the change log has them all."""

    caption = "Recent changes"

    class Meta(ChangeTable.Meta):
        pass  # django-tables2 reads only a table's own Meta
