"""Bulk writes for imports of many rows (a first metadata scan writes ~100,000 datasets).

The ORM's bulk_update (one CASE per field) and bulk_create are too slow at that size on PostgreSQL,
so there rows go in with COPY and change with one UPDATE ... FROM a staging table; other databases
use the ORM."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence

from django.db import connection, transaction
from django.db.models import JSONField, Model, QuerySet
from django.db.models.expressions import RawSQL

CHUNK = 2000


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    """``items`` in slices of ``size``: keeps IN (...) lists and batches bounded."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def field_values(obj: Model) -> dict:
    """An unsaved object as {attname: value} for insert_rows, every column but the primary key."""
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if not field.primary_key
    }


def insert_rows(model: type[Model], rows: Sequence[Mapping]) -> None:
    """Insert rows given as {attname: value}; all rows have the same keys."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create((model(**row) for row in rows), batch_size=CHUNK)
        return
    fields = [model._meta.get_field(name) for name in rows[0]]
    _copy(model._meta.db_table, fields, ([row[field.attname] for field in fields] for row in rows))


def set_rows(model: type[Model], values_by_pk: Mapping[int, Mapping]) -> None:
    """Set fields of many rows, ``{pk: {attname: value}}``; all rows set the same fields."""
    if not values_by_pk:
        return
    names = list(next(iter(values_by_pk.values())))
    if connection.vendor != "postgresql":
        objects = [model(pk=pk, **values) for pk, values in values_by_pk.items()]
        model.objects.bulk_update(objects, names, batch_size=500)
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table, staging = quote(model._meta.db_table), "ledger_set_rows"
    columns = ", ".join(f"{quote(field.column)} {field.db_type(connection)}" for field in fields)
    assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} (id bigint, {columns}) ON COMMIT DROP")
        id_field = model._meta.pk
        rows = ([pk, *(values[name] for name in names)] for pk, values in values_by_pk.items())
        _copy(staging, [id_field, *fields], rows, column_names=["id", *(f.column for f in fields)])
        cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {staging} AS s WHERE t.id = s.id")
        cursor.execute(f"DROP TABLE {staging}")


_JSON_TEXT = json.JSONEncoder(separators=(",", ":")).encode


def _copy(table: str, fields, rows: Iterable[list], column_names: Sequence[str] | None = None) -> None:
    """PostgreSQL COPY of ``rows`` (values in ``fields`` order) into ``table``. JSON values go as
    text, encoded here in one call each (psycopg's Jsonb wrapper costs three times as much)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in (column_names or [field.column for field in fields]))
    json_positions = [n for n, field in enumerate(fields) if isinstance(field, JSONField)]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            for n in json_positions:
                if row[n] is not None:
                    row[n] = _JSON_TEXT(row[n])
            copy.write_row(row)


ARRAY_TYPES = {"id": "bigint", "uuid": "uuid", "text": "text"}


def among(queryset: QuerySet, field: str, values: Iterable, kind: str = "id") -> Iterator[QuerySet]:
    """``queryset`` narrowed to rows whose ``field`` is one of ``values`` (ids, uuids or texts):
    on PostgreSQL one query taking the values as one array; elsewhere one query per chunk of an IN
    list. Yields the querysets to run."""
    values = list(values)
    if not values:
        return
    if connection.vendor == "postgresql":
        array = RawSQL(
            f"SELECT unnest(%s::{ARRAY_TYPES[kind]}[])",
            [[str(v) for v in values] if kind == "uuid" else values],
        )
        yield queryset.filter(**{f"{field}__in": array})
        return
    for part in chunks(values):
        yield queryset.filter(**{f"{field}__in": part})
