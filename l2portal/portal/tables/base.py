"""PortalTable: a django-tables2 table as NetBox builds its lists on it. Sortable headers, the
columns each user chose (kept per user and table; ``default_columns`` until they choose), CSV
export of what the list shows (streamed, the same columns), pagination, and rows that carry their
object's state (a row in error shows its reason through StateColumn)."""

from __future__ import annotations

import django_tables2 as tables
from django.core.exceptions import ImproperlyConfigured

from .csv_export import csv_response

PER_PAGE = 50
MAX_PER_PAGE = 500
PAGE_SIZES = (25, 50, 100, 200, MAX_PER_PAGE)  # what the "Rows" menu above every table offers


def row_state(record) -> str:
    """The row's class: its object's state (tracked objects) or status (runs, products)."""
    for name in ("state", "status"):
        value = getattr(record, name, None)
        if isinstance(value, str) and value:
            return f"{name}-{value}"
    return ""


class PortalTable(tables.Table):
    """Subclass it with ``class Meta(PortalTable.Meta)``; name its columns; set ``default_columns``
    (shown until a user chooses; every column when empty) and ``exempt_columns`` (always shown:
    the column that links to the object). Build it in a view with ``portal_table()``. Its class
    name is its name in people's preferences, so it is unique across the portal."""

    default_columns: tuple[str, ...] = ()
    exempt_columns: tuple[str, ...] = ()
    # No COUNT of all rows (a page knows only whether another follows): for lists of all history.
    lazy_pagination = False
    caption = ""  # what the rows are, for screen readers and the export's file name

    _registry: dict[str, type[PortalTable]] = {}

    class Meta:
        template_name = "components/table.html"
        attrs = {"class": "portal-table"}
        row_attrs = {"class": row_state}
        per_page = PER_PAGE

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        known = PortalTable._registry.get(cls.__name__)
        if known is not None and known.__module__ != cls.__module__:
            raise ImproperlyConfigured(
                f"two tables are named {cls.__name__} ({known.__module__}, {cls.__module__}): "
                "a table's name keys people's column choices, so rename one"
            )
        PortalTable._registry[cls.__name__] = cls

    @property
    def name(self) -> str:
        return type(self).__name__

    def choose_columns(self, chosen: list[str] | None) -> None:
        """Show the chosen columns (the defaults if none were chosen) and the exempt ones."""
        names = list(self.base_columns)
        shown = [name for name in chosen or () if name in names] or list(self.default_columns) or names
        for name in names:
            if name in shown or name in self.exempt_columns:
                self.columns.show(name)
            else:
                self.columns.hide(name)

    @property
    def column_choices(self) -> list[tuple[str, str, bool]]:
        """(name, header, shown) of every column a user may show or hide."""
        return [
            (column.name, str(column.header), column.visible)
            for column in self.columns.iterall()
            if column.name not in self.exempt_columns
        ]

    @property
    def prefixed_export_field(self) -> str:
        return f"{self.prefix}export"

    @property
    def wants_csv(self) -> bool:
        return self.request.GET.get(self.prefixed_export_field) == "csv"

    @property
    def csv_url(self) -> str:
        """This list as CSV: the same filters, order and columns, every page."""
        query = self.request.GET.copy()
        for name in (self.prefixed_page_field, self.prefixed_per_page_field):
            query.pop(name, None)
        query[self.prefixed_export_field] = "csv"
        return f"?{query.urlencode()}"

    @property
    def page_sizes(self) -> list[tuple[int, str, bool]]:
        """(rows, this list's URL with that many a page from its first page, whether shown now)."""
        shown = self.page.paginator.per_page if self.page else None
        sizes = sorted({*PAGE_SIZES, self._meta.per_page})
        query = self.request.GET.copy()
        query.pop(self.prefixed_page_field, None)
        choices = []
        for size in sizes:
            query[self.prefixed_per_page_field] = str(size)
            choices.append((size, f"?{query.urlencode()}", size == shown))
        return choices

    def csv_response(self):
        """Every row of the list (not just this page) as CSV, streamed."""
        return csv_response(self)


def table_named(name: str) -> type[PortalTable] | None:
    return PortalTable._registry.get(name)
