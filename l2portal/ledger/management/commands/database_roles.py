import os

from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from l2portal.ledger.commands import PortalCommand
from l2portal.ledger.database import grant_app_role, install_history_guards


class Command(PortalCommand):
    help = (
        "Run as the database owner (the role that runs migrations): create the portal's own role if "
        "missing and grant it rows of ordinary tables, SELECT and INSERT only on history, no TRUNCATE, "
        "no trigger changes. Point the web and worker processes' DATABASE_URL at that role. Setting "
        "L2PORTAL_DATABASE_APP_ROLE makes every later migrate grant it again."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the portal's role, e.g. l2portal_app")
        parser.add_argument(
            "--password-env", help="create the role with LOGIN and the password in this environment variable"
        )

    def handle(self, role, password_env, **options):
        if connection.vendor != "postgresql":
            raise CommandError("database roles are a PostgreSQL feature; DATABASE_URL is not PostgreSQL")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                password = os.environ.get(password_env, "") if password_env else ""
                if password_env and not password:
                    raise CommandError(f"{password_env} is empty; set the new role's password there")
                login = (
                    sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password))
                    if password
                    else sql.SQL("NOLOGIN")
                )
                # Utility statements take no bind parameters: psycopg quotes the literal itself.
                cursor.cursor.execute(sql.SQL("CREATE ROLE {} {}").format(sql.Identifier(role), login))
                self.stdout.write(f"created role {role}")
        tables = install_history_guards()
        grant_app_role(role)
        self.stdout.write(f"{role}: rows of every table, history append-only ({len(tables)} tables guarded)")
