"""The ``ledger_change`` view behind the change log (models.Change): one UNION ALL over the history
table of every tracked model and the ledger's events.

Dropped before each migration (a migration may alter or rebuild a history table a view depends
on) and created again after it from the models installed then, so a new tracked model joins the
change log with its own migration. Every branch gives each column the same type, so PostgreSQL
plans the view as one append of its tables: filters reach each branch, and the newest rows come
from the ``at`` indexes of every table merged, not a sort of all history (with a column typed
differently in one branch it sorted all history for every page). One object's changes use an
index on its history table's subject id as text, made with the view."""

from __future__ import annotations

from django.apps import apps
from django.db import connections

from .models import Change, LedgerEvent, Tracked

VIEW = Change._meta.db_table


def tracked_models() -> list[type[Tracked]]:
    return sorted(
        (model for model in apps.get_models() if issubclass(model, Tracked) and not model._meta.proxy),
        key=lambda model: model._meta.label_lower,
    )


def history_tables(existing: set[str]) -> list[str]:
    """The history tables of the tracked models, of those in ``existing``."""
    tables = (model.transition_model()._meta.db_table for model in tracked_models())
    return [table for table in tables if table in existing]


def view_sql(quote, existing: set[str]) -> str:
    """The SELECT of the view over the history tables in ``existing`` (a partial migration may
    not have made them all); ``quote`` quotes a name for the database at hand."""
    branches = []
    for model in tracked_models():
        label = model._meta.label_lower
        table = model.transition_model()._meta.db_table
        if table not in existing:
            continue
        history = quote(table)
        branches.append(
            f"SELECT 't:{label}:' || CAST(h.id AS TEXT) AS key, CAST('transition' AS TEXT) AS kind, "
            f"h.at AS at, CAST('{label}' AS TEXT) AS subject_model, "
            f"CAST(h.subject_id AS TEXT) AS subject_id, CAST(h.actor AS TEXT) AS actor, "
            f"CAST(h.from_state AS TEXT) AS from_state, CAST(h.to_state AS TEXT) AS to_state, "
            f"CAST(h.reason AS TEXT) AS message FROM {history} h"
        )
    events = quote(LedgerEvent._meta.db_table)
    types = quote("django_content_type")
    branches.append(
        "SELECT 'e:' || CAST(e.id AS TEXT), CAST(e.kind AS TEXT), e.at, "
        "CAST(COALESCE(ct.app_label || '.' || ct.model, '') AS TEXT), CAST(e.subject_id AS TEXT), "
        "CAST(e.actor AS TEXT), CAST('' AS TEXT), CAST('' AS TEXT), CAST(e.message AS TEXT) "
        f"FROM {events} e LEFT JOIN {types} ct ON ct.id = e.subject_type_id"
    )
    return "\nUNION ALL\n".join(branches)


def drop_change_view(using: str = "default", **_) -> None:
    """pre_migrate: the migrations that follow may change the tables the view reads."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP VIEW IF EXISTS {connection.ops.quote_name(VIEW)}")


def install_change_view(using: str = "default", **_) -> None:
    """post_migrate (also after a test flush): the view over the history tables there are now."""
    connection = connections[using]
    quote = connection.ops.quote_name
    existing = set(connection.introspection.table_names())
    if LedgerEvent._meta.db_table not in existing:
        return  # the ledger is not migrated this far yet
    with connection.cursor() as cursor:
        cursor.execute(f"DROP VIEW IF EXISTS {quote(VIEW)}")
        cursor.execute(f"CREATE VIEW {quote(VIEW)} AS {view_sql(quote, existing)}")
        for table in history_tables(existing):
            # One object's changes (its timeline's link) read as text through the view.
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(table + '_subject_text')} "
                f"ON {quote(table)} ((CAST(subject_id AS TEXT)))"
            )
