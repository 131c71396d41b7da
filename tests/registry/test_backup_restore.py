"""The backup and restore of docs/backup-and-restore.md, run: the database dumped with pg_dump,
restored with pg_restore into a new database, migrated, the data root copied with rsync; the
restored site's verify_data_root passes, and finds the file the copy lost. (The grant to the
portal's role is left out: roles belong to the whole server, which other test runs share.)"""

import os
import shutil
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from tests.conftest import ROOT, database_url_of_this_run
from tests.registry.test_verify_data_root import products

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "rsync")),
        reason="needs pg_dump, pg_restore and rsync",
    ),
]


@pytest.fixture
def restored_database():
    """An empty database beside the test's, dropped at the end; its URL."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(database_url_of_this_run())._replace(path="/" + name))
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(*command, **environment):
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **environment},
        capture_output=True,
        text=True,
    )


def test_a_restored_site_verifies_and_finds_the_file_its_copy_lost(data_root, tmp_path, restored_database):
    paths = products(data_root)
    dump, copy = tmp_path / "l2portal.dump", tmp_path / "restored-data"

    dumped = run("pg_dump", "--format=custom", f"--file={dump}", database_url_of_this_run())
    assert dumped.returncode == 0, dumped.stderr
    copied = run("rsync", "-a", f"{data_root}/", f"{copy}/")
    assert copied.returncode == 0, copied.stderr

    restored = run(
        "pg_restore", f"--dbname={restored_database}", "--no-owner", "--no-acl", "--exit-on-error", str(dump)
    )
    assert restored.returncode == 0, restored.stderr
    site = {"DATABASE_URL": restored_database, "L2PORTAL_DATA_ROOT": str(copy)}
    migrated = run(sys.executable, "manage.py", "migrate", "--noinput", **site)
    assert migrated.returncode == 0, migrated.stderr

    verified = run(sys.executable, "manage.py", "verify_data_root", **site)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "the data root matches the registry: 4 products checked (4 by sha256)" in verified.stdout

    (copy / paths["c"]).unlink()
    lost = run(sys.executable, "manage.py", "verify_data_root", "--sample", "2", **site)
    assert lost.returncode == 1
    assert lost.stdout.splitlines() == [f"missing: {paths['c']}"]
