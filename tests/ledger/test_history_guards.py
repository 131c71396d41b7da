"""History and provenance no one can rewrite: as the portal's own database role, every way around the
append-only rule is refused (UPDATE, DELETE, TRUNCATE, the trigger-skipping session setting,
disabling the triggers, replica mode), and so is any change to what an Execution read or to a
product's identity; a purge still marks a product's row."""

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from l2portal.ledger import services
from l2portal.ledger.database import history_tables
from l2portal.ledger.execution import recording
from l2portal.registry import models as registry_model
from l2portal.registry import services as registry
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
    as_the_portal = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
    )
    yield as_the_portal
    as_the_portal.close()
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


def _with_provenance():
    """A product made by an Execution that read another one."""
    run = registry.get_run_collection("P999")
    source = registry.write_product(run, "P999/P999_in.txt", "notes", lambda tmp: tmp.write_text("in"))
    with recording("tests.provenance", inputs=[source]):
        made = registry.write_product(run, "P999/P999_out.txt", "notes", lambda tmp: tmp.write_text("out"))
    return source, made


IDENTITY_REWRITES = {
    "path": "UPDATE ledger_product SET path = 'P999/P999_other.txt' WHERE id = {made}",
    "sha256": "UPDATE ledger_product SET sha256 = repeat('0', 64) WHERE id = {made}",
    "size": "UPDATE ledger_product SET size = size + 1 WHERE id = {made}",
    "created": "UPDATE ledger_product SET created_at = now() - interval '1 day' WHERE id = {made}",
    "producer": "UPDATE ledger_product SET produced_by_id = NULL WHERE id = {made}",
    "delete product": "DELETE FROM ledger_product WHERE id = {made}",
    "forget an input": "DELETE FROM ledger_execution_inputs WHERE product_id = {source}",
    "change an input": "UPDATE ledger_execution_inputs SET product_id = {made} WHERE product_id = {source}",
    "truncate inputs": "TRUNCATE ledger_execution_inputs",
}


@pytest.mark.parametrize("rewrite", sorted(IDENTITY_REWRITES))
def test_the_portals_role_cannot_rewrite_provenance(portal_role, rewrite):
    source, made = _with_provenance()
    before = (
        registry_model.Product.objects.filter(pk=made.pk).values().get(),
        _count("ledger_execution_inputs"),
    )
    with pytest.raises(psycopg.Error), portal_role.cursor() as cursor:
        cursor.execute(IDENTITY_REWRITES[rewrite].format(made=made.pk, source=source.pk))
    portal_role.rollback()
    assert (
        registry_model.Product.objects.filter(pk=made.pk).values().get(),
        _count("ledger_execution_inputs"),
    ) == before


def test_a_purge_marks_the_row_and_a_new_version_replaces_it_as_current(portal_role):
    _, made = _with_provenance()
    with portal_role.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_product SET status = 'purged', purged_at = now(), purge_reason = 'expired', "
            "current = false WHERE id = %s",
            [made.pk],
        )
    portal_role.commit()
    made.refresh_from_db()
    assert (made.status, made.purge_reason, made.current) == ("purged", "expired", False)
