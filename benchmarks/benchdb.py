"""A PostgreSQL database of a benchmark's own: created fresh, dropped afterwards; the portal set up
on it for benchmarks that run real workers."""

import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


def create_database(suffix: str) -> Callable[[], None]:
    """Create ``<DATABASE_URL's database>_<suffix>`` afresh and point DATABASE_URL at it.
    Returns the function that drops it (call it after closing Django's connections)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/l2portal")
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    drop()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
    return drop


def portal_for_workers(name: str, **environment: str) -> tuple[Callable[[], None], Path]:
    """A database and a data root of the benchmark's own, settings as production's (DEBUG off, a
    key of its own, quiet logs) exported for the workers it starts, Django set up and migrated.
    Needs Redis: workers take their tasks from CELERY_BROKER_URL. Returns (drop the database, data root)."""
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        sys.exit("Set CELERY_BROKER_URL to a Redis server, e.g. redis://127.0.0.1:6379/0")
    drop_database = create_database(name)
    data_root = Path(tempfile.mkdtemp(prefix=f"bench_{name}."))
    os.environ.update(
        L2PORTAL_DATA_ROOT=str(data_root),
        L2PORTAL_LOG_LEVEL="WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost",
        **environment,
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return drop_database, data_root
