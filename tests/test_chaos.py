"""Chaos: a real Celery worker on Redis, SIGKILLed with its pool ten times at random points while an
FT2 campaign, three HalfPipe downlinks (sharing data runs) and an ALMA restore go through it, and
restarted each time; the reconciler, with a heartbeat limit of seconds, recovers what the kills
left. Every item ends done, every product is registered once, no Execution is left running, no
partial file is left, and every file is the one a clean run makes (tasks in place, no worker): the
same bytes, or for FITS the same data units byte for byte and the same headers but for the DATE and
CHECKSUM/DATASUM cards. The kill points come from a seed printed by the test;
L2PORTAL_CHAOS_SEED=<seed> repeats them."""

import io
import os
import random
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from astropy.io import fits
from django.core.management import call_command
from django.db.models import Count

from l2portal.ledger.models import Execution, TaskIntent
from l2portal.registry.models import Product
from pipelines import services as pipelines
from pipelines.models import CampaignRun, DataRun, Downlink, ReprocessingCampaign
from pipelines.task_names import PROCESS_CAMPAIGN_RUN
from restore import services as restore
from restore.models import RestoreRequest
from tests.factories import SYSTEM
from tests.pipelines.conftest import make_campaign
from tests.pipelines.halfpipe import TIMELINE, clean_run_products, kill_hard, register_magic7_for, simulate
from tests.restore.conftest import X80E

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KILLS = 10
# Enough work that most kills land in a task: five campaign runs of ten minutes of telemetry (clear
# of the downlinks' runs, from 545208791 on), three downlinks of three chunks, a pipeline of seconds.
CAMPAIGN_RUNS = tuple(545294791 + 86000 * n for n in range(5))
CAMPAIGN_SPAN = 600.0
DOWNLINKS = replace(TIMELINE, downlinks=3)
HEARTBEAT_LIMIT = 3.0  # seconds of silence after which an Execution's worker is presumed dead
WORKER_ENV = {"L2PORTAL_HEARTBEAT_SECONDS": 0.3, "STANDIN_CASA_SLEEP": 6}
FITS_STAMPS = {"DATE", "CHECKSUM", "DATASUM"}
RESTORE_REQUEST = re.compile(r"request-\d+")
LEVEL1 = re.compile(r"/level1/gll_\w+_r(\d+)_v(\d+)\.fit$")

CLEAN_RUN = """
import json, sys
from tests.test_chaos import product_files, start_all
start_all(sys.argv[1])
print(json.dumps(product_files()))
"""


def start_all(folder, downlinks: int = DOWNLINKS.downlinks) -> list[Path]:
    """The work of the test: inputs registered, then the first ``downlinks``, the campaign and the
    restore. Returns the downlinks still to come."""
    register_magic7_for(DOWNLINKS, tmp_path=folder)
    pipelines.generate_demo_magic7(CAMPAIGN_RUNS, CAMPAIGN_SPAN, SYSTEM)
    folders = simulate(DOWNLINKS)
    for downlink in folders[:downlinks]:
        pipelines.ingest_downlink(downlink, SYSTEM)
    pipelines.start_campaign(make_campaign(runs=CAMPAIGN_RUNS), SYSTEM)
    restore.request_restore(X80E, SYSTEM)
    return folders[downlinks:]


def feed(to_come: list[Path]) -> None:
    """The next downlink arrives once the merges of those before it are planned: downlinks arrive
    in order, and the versions of a run they share follow that order (as in the clean run)."""
    if to_come and not Downlink.objects.exclude(state__in=("merging", "done")).exists():
        pipelines.ingest_downlink(to_come.pop(0), SYSTEM)


def product_files() -> dict[str, list[str]]:
    """{path: [sha256, product type]} of every present product."""
    products = Product.objects.filter(status="present").values_list("path", "sha256", "product_type")
    return {path: [sha256, kind] for path, sha256, kind in products}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> tuple[dict[str, list[str]], Path]:
    """{path: [sha256, product type]} of the clean run's products, and its data root."""
    folder = tmp_path_factory.mktemp("clean")
    return clean_run_products(folder, CLEAN_RUN), folder / "data"


def everything_done() -> bool:
    if Downlink.objects.count() < DOWNLINKS.downlinks:
        return False
    downlinks = set(Downlink.objects.values_list("state", flat=True))
    runs = set(DataRun.objects.exclude(downlinks=None).values_list("state", flat=True))
    campaign = ReprocessingCampaign.objects.values_list("state", flat=True).get()
    restored = RestoreRequest.objects.values_list("state", flat=True).get()
    running = Execution.objects.filter(status=Execution.Status.RUNNING).exists()
    return (downlinks, runs, campaign, restored, running) == (
        {"done"}, {"level1_done"}, "validated", "restored", False,
    )  # fmt: skip


def recover_until_done(to_come: list[Path], timeout: float) -> None:
    """The reconciler as beat would run it, every second here, until everything is done."""
    deadline = time.monotonic() + timeout
    while not everything_done():
        feed(to_come)
        if time.monotonic() > deadline:
            pytest.fail(f"not done {timeout:.0f} s after the last kill: {states()}")
        call_command("recover", stdout=io.StringIO())
        time.sleep(1)


def states() -> dict:
    return {
        "downlinks": list(Downlink.objects.values_list("downlink_id", "state")),
        "runs": list(DataRun.objects.exclude(downlinks=None).values_list("run_id", "state")),
        "campaign": list(ReprocessingCampaign.objects.values_list("state", flat=True)),
        "restore": list(RestoreRequest.objects.values_list("state", "progress_note")),
        "running": list(Execution.objects.filter(status="running").values_list("task_name", "worker")),
        "campaign runs": list(CampaignRun.objects.values_list("data_run__run_id", "state")),
        "open intents": [
            (
                i.task_name,
                i.args,
                i.status,
                i.resent,
                list(Execution.objects.filter(task_id=str(i.task_id)).values_list("status", flat=True)),
            )
            for i in TaskIntent.objects.exclude(status__in=("done", "obsolete"))
        ],
    }


def normalized(path: str) -> str:
    """A restore's paths name its request's id, which differs between the two databases."""
    return RESTORE_REQUEST.sub("request-N", path)


def is_restore_output(path: str) -> bool:
    """The pipeline's logs and weblogs: named after the time they were written and holding times,
    they compare by type only."""
    return path.startswith("restores/") and "/outputs/" in path


def superseded(path: str, paths) -> bool:
    """Whether ``path`` is a Level 1 file of a run of which ``paths`` hold a newer version."""
    level1 = LEVEL1.search(path)
    newer = (LEVEL1.search(other) for other in paths)
    return bool(level1) and any(n and n[1] == level1[1] and int(n[2]) > int(level1[2]) for n in newer)


def fits_units(path: Path) -> list[tuple[list, bytes]]:
    """Each HDU's header cards (but the time stamps and checksums) and its data unit's bytes."""
    units = []
    raw = path.read_bytes()
    with fits.open(path) as hdus:
        for index, hdu in enumerate(hdus):
            info = hdus.fileinfo(index)
            cards = [tuple(card) for card in hdu.header.cards if card.keyword not in FITS_STAMPS]
            units.append((cards, raw[info["datLoc"] : info["datLoc"] + info["datSpan"]]))
    return units


def assert_same_files(products: dict, data_root: Path, clean: dict, clean_root: Path) -> None:
    """``products`` and ``clean``: {path: [sha256, product type]} of this run and the clean one."""
    outputs, clean_outputs = (
        sorted(kind for path, (_, kind) in files.items() if is_restore_output(path))
        for files in (products, clean)
    )
    assert outputs == clean_outputs
    ours = {normalized(path): path for path in products if not is_restore_output(path)}
    theirs = {normalized(path): path for path in clean if not is_restore_output(path)}
    missing = sorted(set(theirs) - set(ours))
    # Two downlinks' chunks of a shared run may be merged before the first version's Level 1 comes
    # up: that Level 1 is then skipped for the newer version (as in the concurrent downlink test).
    assert all(superseded(path, ours) for path in missing), missing
    assert set(ours) <= set(theirs), sorted(set(ours) - set(theirs))
    for key, path in sorted(ours.items()):
        if products[path][0] == clean[theirs[key]][0]:
            continue
        assert path.endswith((".fit", ".fits")), f"{path} differs from the clean run's"
        assert fits_units(data_root / path) == fits_units(clean_root / theirs[key]), path


def test_ten_sigkills_lose_nothing_leave_nothing_and_change_no_byte(
    start_worker, settings, tmp_path, clean_run
):
    seed = int(os.environ.get("L2PORTAL_CHAOS_SEED") or random.SystemRandom().randrange(2**31))
    print(f"chaos seed {seed} (L2PORTAL_CHAOS_SEED={seed} repeats the kill points)")
    rng = random.Random(seed)
    settings.L2PORTAL_HEARTBEAT_LIMIT_SECONDS = HEARTBEAT_LIMIT
    settings.L2PORTAL_RESEND_AFTER_SECONDS = HEARTBEAT_LIMIT
    from l2portal.celery import app as celery_app

    celery_app.control.purge()
    to_come = start_all(tmp_path, downlinks=1)
    worker = start_worker(concurrency=2, **WORKER_ENV)
    for kill in range(1, KILLS + 1):
        feed(to_come)
        running = Execution.objects.filter(status="running", worker=worker.hostname)
        work_or_not = time.monotonic() + 10  # the kill lands in a task while there is work
        while not running.exists() and not everything_done() and time.monotonic() < work_or_not:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.5))
        running = sorted(running.values_list("task_name", flat=True))
        kill_hard(worker)
        print(f"kill {kill}: {', '.join(running) or 'nothing running'}")
        # Recovered while no worker runs, so each worker lives only until its next kill: the work
        # spreads over the ten kills instead of ending after the first few.
        time.sleep(HEARTBEAT_LIMIT + 0.5)
        call_command("recover", stdout=io.StringIO())
        worker = start_worker(concurrency=2, **WORKER_ENV)
    recover_until_done(to_come, timeout=120)

    products = Product.objects.filter(status="present")
    assert not products.values("path").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert (
        not products.values("collection", "product_type", "data_key", "version")
        .annotate(n=Count("pk"))
        .filter(n__gt=1, data_key__gt="")
        .exists()
    )
    data_root = Path(settings.DATA_ROOT)
    assert sorted(data_root.rglob("*.part")) == []
    clean, clean_root = clean_run
    assert_same_files(product_files(), data_root, clean, clean_root)


def downlinks_and_campaign_done() -> bool:
    downlinks = set(Downlink.objects.values_list("state", flat=True))
    runs = set(DataRun.objects.exclude(downlinks=None).values_list("state", flat=True))
    campaign = ReprocessingCampaign.objects.values_list("state", flat=True).get()
    running = Execution.objects.filter(status=Execution.Status.RUNNING).exists()
    complete = Downlink.objects.count() == DOWNLINKS.downlinks
    done = ({"done"}, {"level1_done"}, "validated", False)
    return complete and (downlinks, runs, campaign, running) == done


@pytest.mark.timeout(900)
def test_a_host_lost_in_the_middle_of_the_work_is_replaced_by_the_other(
    start_worker, settings, tmp_path, clean_run
):
    """Two hosts: each worker with its own host name and private temporary folder, only the data
    root shared. One host's whole process tree is killed while it runs a downlink's and the
    campaign's steps; the other finishes them within the heartbeat limit, nothing done twice."""
    settings.L2PORTAL_HEARTBEAT_LIMIT_SECONDS = HEARTBEAT_LIMIT
    settings.L2PORTAL_RESEND_AFTER_SECONDS = HEARTBEAT_LIMIT
    from l2portal.celery import app as celery_app

    celery_app.control.purge()

    def host(name):
        private = tmp_path / f"{name}-tmp"
        private.mkdir()
        return start_worker(concurrency=2, L2PORTAL_HOST_NAME=name, TMPDIR=str(private), **WORKER_ENV)

    doomed, survivor = host("host-a"), host("host-b")
    register_magic7_for(DOWNLINKS, tmp_path=tmp_path)
    pipelines.generate_demo_magic7(CAMPAIGN_RUNS, CAMPAIGN_SPAN, SYSTEM)
    to_come = simulate(DOWNLINKS)
    pipelines.ingest_downlink(to_come.pop(0), SYSTEM)
    pipelines.start_campaign(make_campaign(runs=CAMPAIGN_RUNS), SYSTEM)
    on_doomed = Execution.objects.filter(status="running", host="host-a")
    campaign_step = on_doomed.filter(task_name=PROCESS_CAMPAIGN_RUN)
    deadline = time.monotonic() + 120
    while not (campaign_step.exists() and Downlink.objects.exclude(state="done").exists()):
        assert time.monotonic() < deadline, f"host-a never held a campaign step mid-downlink: {states()}"
        time.sleep(0.02)
    kill_hard(doomed)
    lost = sorted(on_doomed.values_list("pk", flat=True))  # what the dead host was running
    print(f"host-a killed while running {sorted(on_doomed.values_list('task_name', flat=True))}")
    assert lost
    deadline = time.monotonic() + 180
    while not downlinks_and_campaign_done():
        feed(to_come)
        assert time.monotonic() < deadline, f"host-b did not finish: {states()}"
        call_command("recover", stdout=io.StringIO())
        time.sleep(1)
    assert survivor.poll() is None
    assert set(Execution.objects.filter(pk__in=lost).values_list("status", flat=True)) == {"lost"}
    for execution in Execution.objects.filter(pk__in=lost):  # the lost steps' work taken up by host-b
        later = Execution.objects.filter(task_name=execution.task_name, started_at__gt=execution.started_at)
        assert later.filter(host="host-b", status="succeeded").exists()

    products = Product.objects.filter(status="present")
    assert not products.values("path").annotate(n=Count("pk")).filter(n__gt=1).exists()
    data_root = Path(settings.DATA_ROOT)
    assert sorted(data_root.rglob("*.part")) == []
    clean, clean_root = clean_run
    clean = {path: entry for path, entry in clean.items() if not path.startswith("restores/")}
    assert_same_files(product_files(), data_root, clean, clean_root)
