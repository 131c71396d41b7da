"""Columns every domain's tables share: an object's state (with the reason it failed), a run's
status, a link to the row's object or subject, a product (the one product component), a run and
its log, times, durations and long text cut to one line."""

from __future__ import annotations

import django_tables2 as tables
from django.apps import apps
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from ..site import object_url


def _title(value) -> str:
    return str(value or "")


class LongTextColumn(tables.Column):
    """Free text (a reason, a message, a path) on one line, cut with an ellipsis; all of it on hover
    and in the export."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "long", "title": _title}})
        super().__init__(*args, **kwargs)


class StateColumn(tables.Column):
    """A tracked object's state; in Error, the reason it failed beside it (the list's queryset
    carries ``failure_reason``: portal_table() adds it to every tracked model's list)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", "State")
        kwargs.setdefault("accessor", "state")
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        reason = getattr(record, "failure_reason", "")
        badge = format_html('<span class="badge state-{}">{}</span>', value, record.state_label)
        if not reason:
            return badge
        return format_html('{} <span class="reason" title="{}">{}</span>', badge, reason, reason)

    def value(self, value, record):
        reason = getattr(record, "failure_reason", "")
        return f"{record.state_label}: {reason}" if reason else record.state_label


class RunStatusColumn(tables.Column):
    """An Execution's status; a failed or lost run with its error beside it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", "Status")
        kwargs.setdefault("accessor", "status")
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        badge = format_html('<span class="badge status-{}">{}</span>', record.status, value)
        if not record.error:
            return badge
        return format_html('{} <span class="reason" title="{}">{}</span>', badge, record.error, record.error)

    def value(self, value, record):
        return f"{value}: {record.error}" if record.error else value


class ObjectColumn(tables.Column):
    """The cell's text linked to the page of the row's own object (PortalApp.object_pages)."""

    def render(self, value, record):
        url = object_url(record._meta.label_lower, record.pk)
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def value(self, value):
        return value


def _content_type_label(record) -> str:
    subject_type = record.subject_type  # select_related("subject_type") in the list's queryset
    return f"{subject_type.app_label}.{subject_type.model}" if subject_type else ""


class SubjectColumn(tables.Column):
    """The object a row is about (an Execution's or an event's subject), linked to its page.
    ``label_of(record)`` names its model as "app_label.modelname"; by default the record's
    ``subject_type`` (select it with the rows)."""

    def __init__(self, *args, label_of=_content_type_label, **kwargs):
        kwargs.setdefault("verbose_name", "About")
        kwargs.setdefault("accessor", "subject_id")
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)
        self.label_of = label_of

    def _describe(self, value, record) -> tuple[str, str | None]:
        label = self.label_of(record)
        if not label or not value:
            return "", None
        try:
            name = apps.get_model(label)._meta.verbose_name
        except LookupError:  # a model no longer installed: its rows stay
            name = label
        return f"{name} {value}", object_url(label, value)

    def render(self, value, record):
        text, url = self._describe(value, record)
        return format_html('<a href="{}">{}</a>', url, text) if url else (text or "—")

    def value(self, value, record):
        return self._describe(value, record)[0]


class ProductColumn(tables.Column):
    """A product as every page lists one: its page and its download (resumable)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", "Product")
        kwargs.setdefault("accessor", "path")
        kwargs.setdefault("attrs", {"td": {"class": "product"}})
        self.product_accessor = kwargs.pop("product", None)  # "magic7" when the row is not the product
        super().__init__(*args, **kwargs)

    def _product(self, record):
        return tables.A(self.product_accessor).resolve(record) if self.product_accessor else record

    def render(self, value, record):
        product = self._product(record)
        return render_to_string("components/product.html", {"product": product}) if product else "—"

    def value(self, value, record):
        product = self._product(record)
        return product.path if product else ""


class ExecutionColumn(tables.Column):
    """A run (the row itself, or ``execution=`` an accessor to it), linked to its page and log."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", "Task")
        kwargs.setdefault("accessor", "task_name")
        self.execution_accessor = kwargs.pop("execution", None)
        super().__init__(*args, **kwargs)

    def _execution(self, record):
        return tables.A(self.execution_accessor).resolve(record) if self.execution_accessor else record

    def render(self, value, record):
        execution = self._execution(record)
        if execution is None:
            return "—"
        url = reverse("registry:execution", args=[execution.pk])
        return format_html(
            '<a href="{}" title="{}">{}</a> <a class="log-link" href="{}#log">log</a>',
            url,
            execution.task_name,
            execution.task_name.rpartition(".")[2],
            url,
        )

    def value(self, value, record):
        execution = self._execution(record)
        return execution.task_name if execution else ""


class TimeColumn(tables.DateTimeColumn):
    """A time to the second, in UTC (the portal's time everywhere); exported as shown."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "Y-m-d H:i:s")
        super().__init__(*args, **kwargs)

    def value(self, value):
        return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""


class DurationColumn(tables.Column):
    """How long a run took (``started_at`` to ``finished_at``), or that it is still running."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", "Took")
        kwargs.setdefault("accessor", "finished_at")
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)

    def render(self, record):
        if record.finished_at is None:
            return "running"
        seconds = (record.finished_at - record.started_at).total_seconds()
        if seconds < 120:
            return f"{seconds:.1f} s"
        minutes, seconds = divmod(int(seconds), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {seconds:02d} s"
