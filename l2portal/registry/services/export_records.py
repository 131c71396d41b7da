"""Export records of products and executions, fast enough for collections of 100,000 products: on
PostgreSQL the database writes UUIDs, times and JSON as text (turning them into Python objects and
back costs more than the query); elsewhere the ORM's values are turned into the same texts. The
round-trip tests hold both ways to the same bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC

from django.db import connection
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL

from l2portal.ledger.models import Execution
from l2portal.registry.models import Collection, Instrument, Product

from ...ledger.bulk import among

Consumes = Execution.inputs.through
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"
PG_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'  # the same, in to_char's words
PRODUCT_COLUMNS = {
    "id": "id",
    "uuid": "uuid",
    "site": "plain",
    "collection_id": "id",
    "path": "plain",
    "product_type": "plain",
    "size": "plain",
    "sha256": "plain",
    "status": "plain",
    "created_at": "time",
    "purged_at": "time",
    "purge_reason": "plain",
    "metadata": "json",
    "instrument_id": "id",
    "data_id": "json",
    "data_key": "plain",
    "version": "plain",
    "current": "plain",
    "replaces_id": "id",
    "produced_by_id": "id",
}
EXECUTION_COLUMNS = {
    "id": "id",
    "uuid": "uuid",
    "site": "plain",
    "task_name": "plain",
    "task_id": "plain",
    "parameters": "json",
    "software": "json",
    "host": "plain",
    "pid": "plain",
    "worker": "plain",
    "status": "plain",
    "started_at": "time",
    "finished_at": "time",
    "error": "plain",
    "log_tail": "plain",
}


def when(value) -> str | None:
    """A time as every export writes it: UTC, with microseconds."""
    return value.astimezone(UTC).strftime(TIME_FORMAT) if value is not None else None


def _rows(queryset: QuerySet, columns: dict[str, str]) -> Iterator[dict]:
    """The rows of ``queryset`` as {column: value}, UUIDs and times as their export texts."""
    names = list(columns)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        texts = {
            f"x_{name}": RawSQL(_pg_text(f"{table}.{connection.ops.quote_name(name)}", kind), (), TextField())
            for name, kind in columns.items()
            if kind in ("uuid", "time", "json")
        }
        fields = [f"x_{name}" if f"x_{name}" in texts else name for name in names]
        json_columns = [name for name, kind in columns.items() if kind == "json"]
        decoded: dict[str, object] = {}  # the same JSON text (an empty metadata, the same software) once
        for row in queryset.order_by().annotate(**texts).values_list(*fields):
            record = dict(zip(names, row, strict=True))
            for name in json_columns:
                text = record[name]
                if text not in decoded:
                    decoded[text] = json.loads(text)
                record[name] = decoded[text]
            yield record
        return
    for row in queryset.order_by().values_list(*names):
        record = dict(zip(names, row, strict=True))
        for name, kind in columns.items():
            if kind == "uuid":
                record[name] = str(record[name])
            elif kind == "time":
                record[name] = when(record[name])
        yield record


def _pg_text(column: str, kind: str) -> str:
    if kind == "time":
        return f"to_char({column} AT TIME ZONE 'UTC', '{PG_TIME_FORMAT}')"
    return f"{column}::text"


def product_records(
    pks: Iterable[int] = (),
    *,
    runs: Iterable[int] = (),
    leave_out_types: Iterable[str] = (),
    uuids: dict[int, str] | None = None,
) -> list[dict]:
    """Export records of the products of the RUN collections ``runs`` (but those of
    ``leave_out_types``) and of the products ``pks`` (their uuids by pk go into ``uuids``)."""
    uuids = {} if uuids is None else uuids
    runs = list(runs)
    of_runs = Product.objects.filter(collection_id__in=runs).exclude(product_type__in=leave_out_types)
    selections = [of_runs] if runs else []
    selections += list(among(Product.objects.exclude(collection_id__in=runs), "pk", pks))
    rows = [row for selection in selections for row in _rows(selection, PRODUCT_COLUMNS)]
    uuids.update((row["id"], row["uuid"]) for row in rows)
    names = dict(
        Collection.objects.filter(pk__in={r["collection_id"] for r in rows}).values_list("pk", "name")
    )
    instruments = dict(Instrument.objects.values_list("pk", "name"))
    replaced = {r["replaces_id"] for r in rows if r["replaces_id"]} - uuids.keys()
    for query in among(Product.objects.all(), "pk", replaced):
        uuids.update((pk, str(u)) for pk, u in query.values_list("pk", "uuid"))
    producers = _uuids(Execution, {r["produced_by_id"] for r in rows if r["produced_by_id"]})
    return [
        {
            "uuid": row["uuid"],
            "site": row["site"],
            "run": names[row["collection_id"]],
            "path": row["path"],
            "product_type": row["product_type"],
            "size": row["size"],
            "sha256": row["sha256"],
            "status": row["status"],
            "created_at": row["created_at"],
            "purged_at": row["purged_at"],
            "purge_reason": row["purge_reason"],
            "metadata": row["metadata"],
            "instrument": instruments.get(row["instrument_id"]),
            "data_id": row["data_id"],
            "data_key": row["data_key"],
            "version": row["version"],
            "current": row["current"],
            "replaces": uuids[row["replaces_id"]] if row["replaces_id"] else None,
            "produced_by": producers[row["produced_by_id"]] if row["produced_by_id"] else None,
        }
        for row in rows
    ]


def execution_records(
    pks: Iterable[int], *, product_uuids: dict[int, str] | None = None, uuids: dict[int, str] | None = None
) -> list[dict]:
    """Export records of the executions ``pks``, each with its inputs' UUIDs (``product_uuids``
    names the products already known; the others are looked up)."""
    pks = list(pks)
    uuids = {} if uuids is None else uuids
    inputs: dict[int, list[int]] = {}
    for query in among(Consumes.objects.all(), "execution_id", pks):
        for execution, product in query.values_list("execution_id", "product_id"):
            inputs.setdefault(execution, []).append(product)
    known = dict(product_uuids or {})
    known.update(_uuids(Product, {p for products in inputs.values() for p in products} - known.keys()))
    records = []
    for query in among(Execution.objects.all(), "pk", pks):
        for row in _rows(query, EXECUTION_COLUMNS):
            uuids[row["id"]] = row["uuid"]
            record = {name: row[name] for name in EXECUTION_COLUMNS if name != "id"}
            record["inputs"] = sorted(known[p] for p in inputs.get(row["id"], ()))
            records.append(record)
    return records


def _uuids(model, pks: set[int]) -> dict[int, str]:
    found = {}
    for query in among(model.objects.all(), "pk", pks):
        found.update((pk, str(u)) for pk, u in query.values_list("pk", "uuid"))
    return found
