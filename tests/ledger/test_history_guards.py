"""History no one can rewrite: as the portal's own database role, every way around the append-only
rule is refused (UPDATE, DELETE, TRUNCATE, the trigger-skipping session setting, disabling the
triggers, replica mode)."""

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from l2portal.ledger import services
from l2portal.ledger.database import history_tables
from tests.factories import NOTE, SYSTEM, one_of_each_tracked_model

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BYPASSES = {
    "update": "UPDATE {table} SET id = id",
    "delete": "DELETE FROM {table}",
    "truncate": "TRUNCATE {table}",
    "ignore setting": "SET LOCAL pgtrigger.ignore = '{{history_guard_rows}}'; DELETE FROM {table}",
    "disable trigger": "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "replica mode": "SET session_replication_role = replica; DELETE FROM {table}",
    "drop trigger": "DROP TRIGGER history_guard_rows ON {table}",
}


@pytest.fixture
def portal_role():
    """A role of this test's own, set up the way operators set up the portal's role."""
    role = f"l2portal_test_{uuid.uuid4().hex[:8]}"
    call_command("database_roles", role)
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER ROLE "{role}" LOGIN')
    settings = connection.settings_dict
    yield psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
    )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def _with_history():
    for obj in one_of_each_tracked_model():
        services.fail(obj, SYSTEM, "to have a history row")
    services.record_event(NOTE, "something", SYSTEM)


def test_every_history_table_is_guarded():
    with connection.cursor() as cursor:
        for table in history_tables():
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
            )
            names = {row[0] for row in cursor.fetchall()}
            assert {"history_guard_rows", "history_guard_truncate"} <= names, table


@pytest.mark.parametrize("bypass", sorted(BYPASSES))
def test_the_portals_role_cannot_rewrite_history(portal_role, bypass):
    _with_history()
    for table in history_tables():
        before = _count(table)
        with pytest.raises(psycopg.Error), portal_role.cursor() as cursor:
            cursor.execute(BYPASSES[bypass].format(table=f'"{table}"'))
        portal_role.rollback()
        assert _count(table) == before, (bypass, table)


def test_the_portals_role_reads_and_appends_history_and_writes_rows(portal_role):
    _with_history()
    with portal_role.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_ledgerevent")
        assert cursor.fetchone()[0] >= 1
        cursor.execute(
            "INSERT INTO ledger_ledgerevent (at, kind, subject_id, actor, message, details, site) "
            "VALUES (now(), 'note', '', 'portal', 'appended', '{}', 'local')"
        )
        cursor.execute("UPDATE ledger_collection SET description = 'changed' WHERE name = 'P999'")
    portal_role.commit()
    assert _count("ledger_ledgerevent") >= 2


def test_even_the_owner_cannot_rewrite_history_rows_by_mistake():
    _with_history()
    with pytest.raises(Exception, match="append_only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_ledgerevent")


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return cursor.fetchone()[0]
