"""The programs app's lists as PortalTables: observing programs, the scientists' queue (their own
programs and those waiting), transfers and a transfer's files, and the metadata-store scans.
Programs show their state with why they failed (portal_table adds the reason to every tracked
model's list), transfers theirs with the error that ended them."""

from __future__ import annotations

import django_tables2 as tables
from django.template.defaultfilters import date, filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from l2portal.portal.tables import LongTextColumn, ObjectColumn, PortalTable, StateColumn, TimeColumn

NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}
MINUTE = "Y-m-d H:i"


def _names(value) -> str:
    return ", ".join(value or ())


def _joined(messages) -> str:
    return "; ".join(messages or ())


class NamesColumn(tables.Column):
    """A JSON list of names (instruments, spectral lines), comma-separated; not sortable."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return _names(value) or "—"

    def value(self, value):
        return _names(value)


class ProgramTable(PortalTable):
    """Observing programs, highest priority first: what each holds, who works on it, its state."""

    caption = "Observing programs"
    execution_id = ObjectColumn(verbose_name="Program")
    proposal_id = tables.Column(verbose_name="Proposal")
    instruments = NamesColumn(verbose_name="Instruments")
    state = StateColumn()
    invertible = tables.BooleanColumn(verbose_name="Invertible")
    dataset_count = tables.Column(verbose_name="Datasets", attrs=NUMBER)
    spectral_lines = NamesColumn(verbose_name="Lines")
    priority = tables.Column(verbose_name="Priority", attrs=NUMBER)
    owner = tables.Column(verbose_name="Owner", accessor="owner__username", default="—")
    # While its datasets settle, when it will be qualified; after, when its state last changed.
    ready_or_changed = tables.Column(
        verbose_name="Ready / changed", accessor="state_changed_at", empty_values=()
    )
    last_changed = TimeColumn(verbose_name="Datasets changed")
    ready_at = TimeColumn(verbose_name="Ready at")

    default_columns = (
        "proposal_id",
        "instruments",
        "state",
        "dataset_count",
        "spectral_lines",
        "priority",
        "owner",
        "ready_or_changed",
    )
    exempt_columns = ("execution_id",)

    class Meta(PortalTable.Meta):
        attrs = {"class": "portal-table programs"}
        empty_text = "No program matches. Load some with manage.py scan_metadata."

    def render_ready_or_changed(self, record):
        if record.needs_qualification:
            return f"ready {date(record.ready_at, MINUTE)}"
        return date(record.state_changed_at, MINUTE)

    value_ready_or_changed = render_ready_or_changed


class MyProgramTable(PortalTable):
    """A scientist's own programs that are not published yet, the latest moved first."""

    caption = "Your programs"
    execution_id = ObjectColumn(verbose_name="Program")
    state = StateColumn()
    state_changed_at = TimeColumn(verbose_name="Since", format=MINUTE)

    exempt_columns = ("execution_id",)

    class Meta(PortalTable.Meta):
        empty_text = "None yet."


class WaitingProgramTable(PortalTable):
    """Preprocessed programs nobody has claimed, highest priority first, each claimed in one click."""

    caption = "Waiting"
    execution_id = ObjectColumn(verbose_name="Program")
    proposal_id = tables.Column(verbose_name="Proposal")
    spectral_lines = NamesColumn(verbose_name="Lines")
    priority = tables.Column(verbose_name="Priority", attrs=NUMBER)
    claim = tables.TemplateColumn(
        template_name="programs/_claim.html", verbose_name="", orderable=False, exclude_from_export=True
    )

    exempt_columns = ("execution_id", "claim")

    class Meta(PortalTable.Meta):
        empty_text = "Nothing is waiting: programs appear here once preprocessed."
        per_page = 25


class TransferTable(PortalTable):
    """Transfers of every program, the latest first: what moved, how far, how it ended and why."""

    caption = "Transfers"
    number = tables.Column(verbose_name="#", accessor="pk")
    program = tables.Column(verbose_name="Program", accessor="program__execution_id")
    purpose = tables.Column(verbose_name="What")
    status = tables.Column(verbose_name="Status")
    error = LongTextColumn(verbose_name="Why it failed", empty_values=())
    files_done = tables.Column(verbose_name="Files", attrs=NUMBER)
    bytes_done = tables.Column(verbose_name="Moved", attrs=NUMBER)
    faults = tables.Column(verbose_name="Faults", attrs=NUMBER)
    backend = tables.Column(verbose_name="Backend")
    requested_by = tables.Column(verbose_name="By", accessor="requested_by__username", default="system")
    created_at = TimeColumn(verbose_name="Started")
    finished_at = TimeColumn(verbose_name="Finished")

    default_columns = (
        "program",
        "purpose",
        "status",
        "error",
        "files_done",
        "bytes_done",
        "faults",
        "created_at",
    )
    exempt_columns = ("number",)

    class Meta(PortalTable.Meta):
        row_attrs = {"class": lambda record: f"status-{record.status}"}
        empty_text = "No transfer yet."

    def render_number(self, record):
        url = reverse("programs:transfer", args=[record.program_id, record.pk])
        return format_html('<a href="{}">{}</a>', url, record.pk)

    def render_program(self, value, record):
        return format_html('<a href="{}">{}</a>', reverse("programs:detail", args=[record.program_id]), value)

    def value_program(self, value):
        return value

    def render_purpose(self, record):
        return record.get_purpose_display()

    value_purpose = render_purpose

    def render_status(self, record):
        return format_html(
            '<span class="badge status-{}">{}</span>', record.status, record.get_status_display()
        )

    def value_status(self, record):
        return record.get_status_display()

    def render_error(self, value):
        return format_html('<span class="reason">{}</span>', value) if value else "—"

    def value_error(self, value):
        return value

    def render_files_done(self, value, record):
        total = f" / {record.files_total}" if record.files_total else ""
        return f"{value}{total}"

    def render_bytes_done(self, value):
        return filesizeformat(value)

    def value_bytes_done(self, value):
        return value


def _file_row(record) -> str:
    return " ".join(name for name, on in (("skipped", record.skipped), ("faulted", record.faults)) if on)


class TransferredFileTable(PortalTable):
    """Every file of a transfer: its size, how it was verified, its faults."""

    caption = "Files"
    path = tables.Column(verbose_name="File")
    size = tables.Column(verbose_name="Size", attrs=NUMBER)
    verified_by = tables.Column(verbose_name="Verified by")
    sha256 = tables.Column(verbose_name="SHA-256", attrs={"td": {"class": "checksum"}})
    faults = tables.Column(verbose_name="Faults", orderable=False, empty_values=())

    exempt_columns = ("path",)

    class Meta(PortalTable.Meta):
        attrs = {"class": "portal-table files"}
        row_attrs = {"class": _file_row}
        per_page = 100
        empty_text = "Files are listed when the transfer has finished."

    def render_path(self, value, record):
        return format_html("{} <small>already there</small>", value) if record.skipped else value

    def value_path(self, value):
        return value

    def render_size(self, value):
        return filesizeformat(value)

    def value_size(self, value):
        return value

    def render_sha256(self, value):
        return format_html("<code>{}</code>", value)

    def render_faults(self, value):
        return _joined(value)

    value_faults = render_faults


class ScanTable(PortalTable):
    """Scans of the metadata store (or of offline files), newest first, with what each found."""

    caption = "Metadata-store scans"
    started_at = TimeColumn(verbose_name="Started")
    source = LongTextColumn(verbose_name="Source")
    proposal_id = tables.Column(verbose_name="Proposal", default="all")
    status = tables.Column(verbose_name="Status")
    datasets_seen = tables.Column(verbose_name="Seen", attrs=NUMBER)
    new = tables.Column(verbose_name="New", attrs=NUMBER)
    updated = tables.Column(verbose_name="Updated", attrs=NUMBER)
    unchanged = tables.Column(verbose_name="Unchanged", attrs=NUMBER)
    programs_touched = tables.Column(verbose_name="Programs regrouped", attrs=NUMBER)
    programs_qualified = tables.Column(verbose_name="Programs qualified", attrs=NUMBER)
    errors = tables.Column(
        verbose_name="Errors",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "long", "title": lambda record: _joined(record.errors)}},
    )
    finished_at = TimeColumn(verbose_name="Finished")
    actor = tables.Column(verbose_name="By")

    default_columns = (
        "source",
        "proposal_id",
        "status",
        "datasets_seen",
        "new",
        "updated",
        "unchanged",
        "programs_qualified",
        "errors",
    )
    exempt_columns = ("started_at",)

    class Meta(PortalTable.Meta):
        empty_text = "No scan yet."

    def render_errors(self, value):
        return _joined(value)

    value_errors = render_errors
