"""A PortalTable's rows as CSV, streamed: the columns the user sees (as NetBox exports "the current
view"), every row of the current filter and order, read from the database in chunks so a list of
millions never sits in memory. Cells are the columns' export values (no HTML)."""

from __future__ import annotations

import csv
import html
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.text import slugify
from django_tables2.rows import BoundRow

CHUNK_ROWS = 2000
# A cell a spreadsheet would run as a formula (CSV injection) is exported as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """csv.writer's file: hands back each line instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def safe_cell(value) -> str:
    text = force_str(value, strings_only=False) if value is not None else ""
    if isinstance(value, SafeData):  # a cell rendered as HTML with no export value of its own: its text
        text = " ".join(html.unescape(strip_tags(text)).split())
    if text.startswith(FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def _records(table) -> Iterable:
    data = table.data.data
    if isinstance(data, QuerySet):
        return data.iterator(chunk_size=CHUNK_ROWS)
    return data


def csv_lines(table) -> Iterator[str]:
    columns = [column for column in table.columns if not column.column.exclude_from_export]
    writer = csv.writer(_Line())
    yield writer.writerow([force_str(column.header) for column in columns])
    for record in _records(table):
        row = BoundRow(record, table=table)
        yield writer.writerow([safe_cell(row.get_cell_value(column.name)) for column in columns])


def csv_response(table) -> StreamingHttpResponse:
    name = slugify(table.caption or table.name)
    response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.now():%Y%m%dT%H%M%SZ}.csv"'
    return response
