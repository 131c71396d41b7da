"""HalfPipe's lists as PortalTables: downlinks with their chunks counted, chunks, data runs with their
merge versions."""

from __future__ import annotations

import django_tables2 as tables
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from l2portal.portal.tables import PortalTable, StateColumn, TimeColumn

from ..pages import hidden_header, retry_button
from .selectors import HELD


class ReasonBelowStateColumn(StateColumn):
    """A state; in Error, the reason it failed on a line below it, cut to 140 characters; a held
    run, the reason it waits (what to provide), whole."""

    def render(self, value, record):
        badge = format_html('<span class="badge state-{}">{}</span>', value, record.state_label)
        held = getattr(record, "hold_reason", "") if value == HELD else ""
        if held:
            return format_html('{}<br><small class="held-reason">{}</small>', badge, held)
        reason = getattr(record, "failure_reason", "")
        if not reason:
            return badge
        shown = reason if len(reason) <= 140 else reason[:139] + "…"
        return format_html('{}<br><small class="bad reason" title="{}">{}</small>', badge, reason, shown)


class DownlinkTable(PortalTable):
    """Downlinks with their chunks counted (rows of selectors.annotated_downlinks)."""

    caption = "Downlinks"
    downlink_id = tables.Column(verbose_name="Downlink")
    state = ReasonBelowStateColumn()
    chunks_done = tables.Column(verbose_name="Chunks decoded")
    chunks_failed = tables.Column(verbose_name="Failed")
    runs_count = tables.Column(verbose_name="Runs")
    state_changed_at = TimeColumn(verbose_name="Since")
    generated_at = TimeColumn(verbose_name="RetDefs written")
    folder = tables.Column(verbose_name="Folder")

    default_columns = ("state", "chunks_done", "chunks_failed", "runs_count", "state_changed_at")
    exempt_columns = ("downlink_id",)

    class Meta(PortalTable.Meta):
        empty_text = "No downlink yet."

    def render_downlink_id(self, value, record):
        url = reverse("pipelines:downlink", args=[record.pk])
        return format_html('<a href="{}"><code>{}</code></a>', url, f"{value:09d}")

    def render_chunks_done(self, value, record):
        return f"{value} / {record.chunk_count}"

    def render_chunks_failed(self, value):
        return format_html('<span class="bad">{}</span>', value) if value else "0"


class DataRunTable(PortalTable):
    """The runs downlinks added to, with their merge versions (rows of
    selectors.data_runs_with_versions)."""

    caption = "Data runs"
    run_id = tables.Column(verbose_name="Run")
    hex_start = tables.Column(verbose_name="Start (hex)", accessor="run_id", orderable=False)
    state = ReasonBelowStateColumn()
    versions = tables.Column(
        verbose_name="Versions: downlink, events (new, seen again), files", accessor="pk", orderable=False
    )
    actions = tables.Column(
        verbose_name=hidden_header("Actions"), accessor="pk", orderable=False, exclude_from_export=True
    )

    exempt_columns = ("run_id", "actions")

    class Meta(PortalTable.Meta):
        empty_text = "No run merged yet."

    def render_run_id(self, record):
        return format_html("<code>{}</code>", record)

    def value_run_id(self, record):
        return str(record)

    def render_hex_start(self, record):
        return format_html("<code>{}</code>", record.hex_start)

    def value_hex_start(self, record):
        return record.hex_start

    def render_versions(self, record):
        return render_to_string("pipelines/_versions.html", {"versions": record.versions.all()})

    def value_versions(self, record):
        return " ".join(
            f"v{v.version:03d}:{v.downlink.downlink_id:09d}:{v.events if v.events is not None else ''}"
            for v in record.versions.all()
        )

    def render_actions(self, record):
        if record.state == HELD:
            url = reverse("pipelines:data-run-resume", args=[record.pk])
            return retry_button(self, url, self.request.get_full_path(), label="Resume Level 1")
        if record.state != "error":
            return ""
        url = reverse("pipelines:data-run-retry", args=[record.pk])
        return retry_button(self, url, self.request.get_full_path())


class IncomingFolderTable(PortalTable):
    """Folders under the incoming root seen by the scan and not registered yet, and why."""

    caption = "Downlink folders arriving"
    name = tables.Column(verbose_name="Folder")
    status = tables.Column(verbose_name="Status")
    reason = tables.Column(verbose_name="Why not registered")
    file_count = tables.Column(verbose_name="Files")
    size = tables.Column(verbose_name="Bytes")
    changed_at = TimeColumn(verbose_name="Unchanged since")
    first_seen_at = TimeColumn(verbose_name="First seen")

    exempt_columns = ("name",)

    class Meta(PortalTable.Meta):
        empty_text = "No folder waiting: every folder under the incoming root is registered."

    def render_name(self, value):
        return format_html("<code>{}</code>", value)

    def render_status(self, value, record):
        return format_html('<span class="badge incoming-{}">{}</span>', value, record.get_status_display())


class ChunkTable(PortalTable):
    """Chunks of every downlink (rows of selectors.chunk_rows), each linked to its downlink's page
    where its square opens its log; operators send a failed one back to decoding."""

    caption = "Chunks"
    chunk = tables.Column(verbose_name="Chunk", accessor="number")
    downlink = tables.Column(verbose_name="Downlink", accessor="downlink__downlink_id")
    state = ReasonBelowStateColumn()
    records = tables.Column(verbose_name="Records", attrs={"td": {"class": "num"}})
    size = tables.Column(verbose_name="Size", attrs={"td": {"class": "num"}})
    span_start = tables.Column(verbose_name="Span (MET, s)")
    filename = tables.Column(verbose_name="File")
    retdef = tables.Column(verbose_name="RetDef")
    created = TimeColumn(verbose_name="RetDef written")
    state_changed_at = TimeColumn(verbose_name="Since")
    actions = tables.Column(
        verbose_name=hidden_header("Actions"), accessor="pk", orderable=False, exclude_from_export=True
    )

    default_columns = ("downlink", "state", "records", "size", "span_start", "state_changed_at")
    exempt_columns = ("chunk", "actions")

    class Meta(PortalTable.Meta):
        empty_text = "No chunk yet."

    def render_downlink(self, value, record):
        url = reverse("pipelines:downlink", args=[record.downlink_id])
        return format_html('<a href="{}"><code>{}</code></a>', url, f"{value:09d}")

    def render_size(self, value):
        return filesizeformat(value)

    def render_span_start(self, record):
        return f"{record.span_start:.3f} to {record.span_stop:.3f}"

    def value_span_start(self, record):
        return f"{record.span_start}-{record.span_stop}"

    def render_actions(self, record):
        if record.state != "error":
            return ""
        url = reverse("pipelines:chunk-retry", args=[record.pk])
        return retry_button(self, url, self.request.get_full_path())
