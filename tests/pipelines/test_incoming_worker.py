"""The incoming scan on a real Celery beat and worker: a downlink folder written over several scans
is registered once, only after it is whole and unchanged for the settle time."""

import os
import subprocess
import sys
import uuid

import pytest
from django.utils import timezone

from l2portal.celery import app as celery_app
from l2portal.ledger.models import Execution
from pipelines import conf
from pipelines.models import Chunk, Downlink, IncomingFolder
from pipelines.standins.downlinksim import write_downlinks
from tests.conftest import ROOT, database_url_of_this_run, wait_for
from tests.pipelines.halfpipe import TIMELINE

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SETTINGS = {"PIPELINES_INCOMING_SCAN_SECONDS": "1", "PIPELINES_INCOMING_SETTLE_SECONDS": "2"}
SCAN = "pipelines.tasks.scan_incoming"


@pytest.fixture
def beat(data_root, tmp_path):
    """Celery beat on the test database, scanning every second."""
    env = {
        **os.environ,
        **SETTINGS,
        "DATABASE_URL": database_url_of_this_run(),
        "L2PORTAL_DATA_ROOT": str(data_root),
        "L2PORTAL_VAR_DIR": str(tmp_path / "beat-var"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or f"tests-only-{uuid.uuid4().hex}",
        "DJANGO_ALLOWED_HOSTS": os.environ.get("DJANGO_ALLOWED_HOSTS") or "localhost,127.0.0.1,testserver",
    }
    command = [sys.executable, "-m", "celery", "-A", "l2portal", "beat", "-l", "info"]
    command += ["-s", str(tmp_path / "beat-schedule")]
    with (tmp_path / "beat.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield process
    process.terminate()
    process.wait(timeout=20)


def scans_done() -> int:
    return Execution.objects.filter(task_name=SCAN, status="succeeded").count()


def test_beat_and_a_worker_register_a_folder_written_slowly_once_it_is_whole(start_worker, beat, tmp_path):
    celery_app.control.purge()
    start_worker(**SETTINGS)
    sources = write_downlinks(tmp_path / "elsewhere", TIMELINE)[0]
    arriving = conf.incoming_root() / sources.name
    arriving.mkdir(parents=True)
    stages = [
        ["RetDef-230401001-00001.xml"],
        ["230401001-00001.chunk", "RetDef-230401001-00002.xml", "RetDef-230401001-00003.xml"],
        ["230401001-00002.chunk"],
    ]
    for names in stages:  # each stage leaves the folder incomplete, as the scan sees it
        for name in names:
            (arriving / name).write_bytes((sources / name).read_bytes())
        written = timezone.now()
        wait_for(lambda since=written: IncomingFolder.objects.filter(checked_at__gt=since).exists())
        assert IncomingFolder.objects.get(name=arriving.name).status == "incomplete"
        assert not Downlink.objects.exists()

    (arriving / "230401001-00003.chunk").write_bytes((sources / "230401001-00003.chunk").read_bytes())
    downlink = wait_for(lambda: Downlink.objects.first())
    seen = IncomingFolder.objects.get(name=arriving.name)
    assert seen.status == "registered" and seen.downlink == downlink
    # Registered by a scan at least the settle time after the scan that found it whole.
    assert (downlink.created_at - seen.changed_at).total_seconds() >= 2
    after = scans_done()
    wait_for(lambda: scans_done() >= after + 3)
    assert Downlink.objects.count() == 1 and Chunk.objects.filter(downlink=downlink).count() == 3
