"""A newcomer's `make test` on a machine without services: what it runs on is chosen and said
(tests/local_services.py), and the run ends with how many tests it skipped and why."""

import os
import re
import subprocess
import sys

from tests import local_services
from tests.conftest import ROOT, free_port

WITHOUT_SERVICES = {
    key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")
}


def test_a_run_without_services_ends_with_what_it_skipped_and_why():
    # Tests that need PostgreSQL or a worker, run as on a machine with neither.
    tests = ["tests/test_chaos.py", "tests/pipelines/test_switchover_race.py"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=ROOT,
        env={**WITHOUT_SERVICES, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    assert "services of this run" in out and "database: sqlite3; broker: none" in out
    summary = out[out.index("skipped, by reason") : out.index("short test summary info")]
    assert "needs DATABASE_URL pointing at PostgreSQL" in summary
    counts = [int(line.split()[0]) for line in summary.splitlines()[1:] if line.strip()[:1].isdigit()]
    skipped = int(re.search(r"(\d+) skipped in ", out).group(1))
    assert sum(counts) == skipped > 0


def test_make_test_says_what_it_runs_on():
    chosen, said = local_services.choose({"L2PORTAL_TEST_SERVICES": "none"})
    assert chosen == {} and "SQLite" in said[0]
    chosen, said = local_services.choose({"DATABASE_URL": "postgres://x/y", "CELERY_BROKER_URL": "redis://x"})
    assert chosen == {} and said == ["database: DATABASE_URL as set", "broker: CELERY_BROKER_URL as set"]
    # Unset: the local services are used exactly when they answer.
    chosen, said = local_services.choose({})
    assert ("DATABASE_URL" in chosen) == local_services.postgres_answers(local_services.LOCAL_DATABASE)
    assert ("CELERY_BROKER_URL" in chosen) == local_services.redis_answers()
    assert len(said) == 2 and all(line.startswith(("database: ", "broker: ")) for line in said)


def test_a_port_nothing_answers_on_is_no_service():
    port = free_port()
    assert not local_services.redis_answers(port=port)
    assert not local_services.postgres_answers(f"postgres://postgres@127.0.0.1:{port}/l2portal")


def test_a_redis_that_answers_is_found(own_redis):
    own_redis.start()
    port = int(own_redis.url.rsplit(":", 1)[1].split("/")[0])
    assert local_services.redis_answers(port=port)
