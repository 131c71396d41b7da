"""A PostgreSQL database of a benchmark's own: created fresh, dropped afterwards."""

import os
import sys
from collections.abc import Callable
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
