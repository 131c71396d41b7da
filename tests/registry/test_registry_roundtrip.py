"""Two sites, two databases: a registry exported from PostgreSQL and imported into SQLite answers
the API the same way for the exported collections, exports again to the same bytes, and goes back
into a fresh PostgreSQL database the same way again. Each other site is a process of its own
(tests/registry/registry_site.py) with its own database."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from l2portal.ledger import services
from l2portal.ledger.execution import recording
from l2portal.registry import services as registry
from l2portal.registry.models import RetentionRule
from tests.factories import SYSTEM
from tests.registry.registry_site import api_answers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[2]
EXPORTED = ["FT2/current", "P310", "fssc/2019-07-01"]


def other_site(database_url: str, data_root: Path, var_dir: Path, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "L2PORTAL_DATA_ROOT": str(data_root),
        "L2PORTAL_VAR_DIR": str(var_dir),
        "L2PORTAL_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.registry.registry_site", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def a_registry(operator):
    """Runs, a re-run version, a rewrite after a lost file, a purged product, a tag, a chain."""
    raw, p310, p202 = (registry.get_run_collection(name) for name in ("RAW", "P310", "P202"))
    for run_id in (1, 2):
        with recording("register_magic7", parameters={"run": run_id}):
            magic7 = registry.write_product(
                raw,
                f"RAW/RAW_m7_r{run_id}.txt",
                "magic7",
                lambda t, r=run_id: t.write_text(f"m7 {r}"),
                instrument="LAT",
                data_id={"run": run_id},
            )
        for run in (p202, p310):
            with recording("make_ft2", parameters={"run": run_id, "bin": 1.0}):
                registry.write_product(
                    run,
                    f"{run.name}/{run.name}_ft2_r{run_id}.fit",
                    "ft2_1s",
                    lambda t: t.write_text("FITS"),
                    inputs=[magic7],
                    instrument="LAT",
                    data_id={"run": run_id},
                    metadata={"bin_seconds": 1.0},
                )
    with recording("make_ft2", parameters={"run": 1, "bti": 2}):
        newer = registry.write_product(
            p310,
            "P310/P310_ft2_r1.fit",
            "ft2_1s",
            lambda t: t.write_text("FITS v2"),
            instrument="LAT",
            data_id={"run": 1},
            force=True,
        )
    registry.write_product(p310, "P310/P310_notes.txt", "notes", lambda t: t.write_text("scratch"))
    registry.save_retention_rule(
        RetentionRule(name="notes", product_type="notes", keep="after_created"), SYSTEM
    )
    registry.purge_expired(SYSTEM)
    registry.tag_products("fssc/2019-07-01", [newer], services.Actor.of_user(operator), "delivered")
    registry.set_chain("FT2/current", ["P310", "P202"], SYSTEM)


@pytest.fixture
def fresh_postgres():
    """An empty PostgreSQL database of this test's own, dropped afterwards."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = f"{parts.path.lstrip('/')}_site_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path="/" + name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_to_sqlite_and_back_gives_the_same_answers_and_the_same_bytes(
    data_root, operator, tmp_path, fresh_postgres
):
    a_registry(operator)
    exported = tmp_path / "from_postgres.json"
    registry.export_registry(EXPORTED, exported, SYSTEM)
    here = json.loads(json.dumps(api_answers(EXPORTED), sort_keys=True, default=str))
    assert len(here["P310"]["products"]) == 4 and here["FT2/current"]["lookups"]

    sqlite = f"sqlite:///{tmp_path / 'site_b.sqlite3'}"
    other_site(sqlite, data_root, tmp_path / "b", "migrate")
    other_site(sqlite, data_root, tmp_path / "b", "import", str(exported))
    assert json.loads(other_site(sqlite, data_root, tmp_path / "b", "answers", *EXPORTED)) == here
    from_sqlite = tmp_path / "from_sqlite.json"
    other_site(sqlite, data_root, tmp_path / "b", "export", str(from_sqlite), *EXPORTED)
    assert from_sqlite.read_bytes() == exported.read_bytes()
    assert "nothing new" in other_site(sqlite, data_root, tmp_path / "b", "import", str(exported))

    other_site(fresh_postgres, data_root, tmp_path / "c", "migrate")
    other_site(fresh_postgres, data_root, tmp_path / "c", "import", str(from_sqlite))
    assert json.loads(other_site(fresh_postgres, data_root, tmp_path / "c", "answers", *EXPORTED)) == here
    back = tmp_path / "back_in_postgres.json"
    other_site(fresh_postgres, data_root, tmp_path / "c", "export", str(back), *EXPORTED)
    assert back.read_bytes() == exported.read_bytes()
