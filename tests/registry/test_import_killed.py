"""An import killed half way (SIGKILL) leaves its staged files only until the recovery notices its
heartbeat stopped: the import is an Execution like a task, and its staged files are its partial
files."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from l2portal.ledger import services
from l2portal.ledger.models import Execution
from l2portal.registry import services as registry
from tests.conftest import ROOT, database_url_of_this_run, wait_for
from tests.factories import SYSTEM
from tests.registry.test_registry_exchange import clear_registry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def staged(data_root) -> list:
    return sorted(data_root.rglob(".*.part"))


def test_a_killed_import_leaves_nothing_once_the_recovery_has_run(data_root, tmp_path):
    run = registry.get_run_collection("P310")
    for n in range(400):
        registry.write_product(
            run,
            registry.product_path(run, f"P310_part_{n:03}.bin"),
            "part",
            lambda tmp: tmp.write_bytes(os.urandom(200_000)),
        )
    export = tmp_path / "p310.tar"
    registry.export_registry(["P310"], export, SYSTEM, with_files=True)
    clear_registry()
    for path in (data_root / "P310").iterdir():
        path.unlink()
    env = {**os.environ, "DATABASE_URL": database_url_of_this_run(), "L2PORTAL_DATA_ROOT": str(data_root)}
    importing = subprocess.Popen(
        [sys.executable, "manage.py", "import_registry", str(export)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: len(staged(data_root)) >= 20, timeout=120)
    importing.send_signal(signal.SIGKILL)
    importing.wait()
    assert staged(data_root), "the killed import left its staged files"
    killed = Execution.objects.get(task_name="l2portal.registry.import")
    assert killed.status == "running" and killed.writing

    recovery = services.reconcile(SYSTEM, now=timezone.now() + timedelta(minutes=10))
    assert [execution.pk for execution, _ in recovery.lost] == [killed.pk]
    assert staged(data_root) == []
    assert Execution.objects.get(pk=killed.pk).status == "lost"
    assert not (data_root / "P310").exists() or not any((data_root / "P310").iterdir())
