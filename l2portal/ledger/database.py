"""History and provenance no one can rewrite, not even the portal's own database role.

After every migration (run as the database owner) each append-only table gets triggers that refuse
UPDATE, DELETE and TRUNCATE unconditionally: no session setting skips them (unlike ignorable
triggers), and the portal's role, which does not own the tables, cannot disable or drop them.
TRUNCATE is refused to every role but a superuser (who could drop the trigger anyway, and empties
test databases between tests). With ``L2PORTAL_DATABASE_APP_ROLE`` set, that role is granted what
the portal needs and nothing more: rows of ordinary tables, only SELECT and INSERT on history,
never TRUNCATE or TRIGGER. Provenance is guarded the same way where models declare it
(``write_once_fields``): what an Execution read, a product's identity and that it was made."""

from __future__ import annotations

from django.apps import apps
from django.db import connections

from l2portal.appsettings import setting

GUARD_FUNCTION = "ledger_refuse_history_change"
TRUNCATE_GUARD_FUNCTION = "ledger_refuse_history_truncate"
GUARD_SQL = f"""
CREATE OR REPLACE FUNCTION {GUARD_FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append_only: % on % refused: history is never rewritten', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

-- A superuser may empty a history table (a test database between tests); anyone else may not.
-- A superuser could drop the trigger anyway: the guard is against every other role.
CREATE OR REPLACE FUNCTION {TRUNCATE_GUARD_FUNCTION}() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'append_only: TRUNCATE of % refused: history is never rewritten', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def history_tables() -> list[str]:
    """Every append-only table: each tracked model's transitions and the ledger's events."""
    from .models import AppendOnlyModel

    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and not model._meta.proxy
    )


def write_once_guards() -> list[tuple[str, list[str] | None]]:
    """Provenance written once, from what models declare in ``write_once_fields``: (table, the
    columns no UPDATE may change), a row never deleted; a many-to-many field's own table (what an
    Execution read) with None: its rows neither changed nor deleted."""
    guards = []
    for model in apps.get_models():
        columns = []
        for name in getattr(model, "write_once_fields", ()):
            field = model._meta.get_field(name)
            if field.many_to_many:
                guards.append((field.remote_field.through._meta.db_table, None))
            else:
                columns.append(field.column)
        if getattr(model, "write_once_fields", ()):
            guards.append((model._meta.db_table, columns))
    return sorted(guards, key=lambda guard: guard[0])


def _guard_triggers(table: str, columns: list[str] | None, quote) -> list[tuple[str, str, str]]:
    """(name, when, function) of the triggers that keep a table's provenance: a whole-row guard,
    or one on the named columns (any other column may change) and on DELETE."""
    if columns is None:
        return [("provenance_guard_rows", "BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW", GUARD_FUNCTION)]
    guards = [("provenance_guard_delete", "BEFORE DELETE ON {t} FOR EACH ROW", GUARD_FUNCTION)]
    if columns:
        changed = " OR ".join(f"OLD.{quote(c)} IS DISTINCT FROM NEW.{quote(c)}" for c in columns)
        when = f"BEFORE UPDATE ON {{t}} FOR EACH ROW WHEN ({changed})"
        guards.append(("provenance_guard_identity", when, GUARD_FUNCTION))
    return guards


def install_history_guards(using: str = "default") -> list[str]:
    """(Re)create the guard triggers on every history table; returns the tables guarded."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    tables = history_tables()
    quote = connection.ops.quote_name
    truncate = (
        "history_guard_truncate",
        "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT",
        TRUNCATE_GUARD_FUNCTION,
    )
    triggers = [
        (
            table,
            [("history_guard_rows", "BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW", GUARD_FUNCTION), truncate],
        )
        for table in tables
    ]
    triggers += [
        (table, [*_guard_triggers(table, columns, quote), truncate]) for table, columns in write_once_guards()
    ]
    with connection.cursor() as cursor:
        cursor.execute(GUARD_SQL)
        for table, guards in triggers:
            for name, when, function in guards:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {quote(table)}")
                cursor.execute(
                    f"CREATE TRIGGER {name} {when.format(t=quote(table))} EXECUTE FUNCTION {function}()"
                )
    return tables + [table for table, _ in write_once_guards()]


def grant_app_role(role: str, using: str = "default") -> None:
    """Give the portal's role rows and sequences, history read and append only, nothing else."""
    connection = connections[using]
    quote = connection.ops.quote_name
    role_id = quote(role)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role_id}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role_id}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role_id}")
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role_id}")
        for table in history_tables():
            cursor.execute(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {role_id}")
        for table, columns in write_once_guards():
            cursor.execute(
                f"REVOKE {'DELETE' if columns else 'UPDATE, DELETE'} ON {quote(table)} FROM {role_id}"
            )


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: guard the history tables, grant the portal's role if one is configured."""
    if connections[using].vendor != "postgresql":
        return
    install_history_guards(using)
    role = setting("L2PORTAL_DATABASE_APP_ROLE", "")
    if role and role_exists(role, using):  # the first migrate runs before `database_roles` made it
        grant_app_role(role, using)


def role_exists(role: str, using: str = "default") -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None
