"""Downlink processing on real Celery workers and Redis: a worker killed in the middle loses
nothing and changes no byte; ingesting twice changes nothing; two downlinks sharing a run give the
same files processed at once as one after the other; a corrupt chunk fails alone."""

import time

import pytest

from l2portal.ledger import services as ledger
from l2portal.ledger.models import Execution, TaskIntent
from l2portal.registry.models import Product
from pipelines import services
from pipelines.models import Chunk, DataRun, Downlink
from tests.conftest import wait_for
from tests.factories import SYSTEM
from tests.pipelines.halfpipe import clean_run_products, kill_hard, register_magic7_for, simulate

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WORKER_ENV = {"L2PORTAL_HEARTBEAT_SECONDS": 0.3}


@pytest.fixture(scope="module")
def clean_products(tmp_path_factory):
    return clean_run_products(tmp_path_factory.mktemp("clean"))


def _all_done():
    states = set(Downlink.objects.values_list("state", flat=True)) | set(
        DataRun.objects.exclude(downlinks=None).values_list("state", flat=True)
    )
    return states == {"done", "level1_done"}


def _products() -> dict[str, str]:
    return dict(Product.objects.values_list("path", "sha256"))


def test_a_worker_killed_mid_downlink_loses_nothing_and_changes_no_byte(
    start_worker, settings, tmp_path, clean_products
):
    register_magic7_for(tmp_path=tmp_path)
    worker = start_worker(**WORKER_ENV)
    for folder in simulate():
        services.ingest_downlink(folder, SYSTEM)
    running = wait_for(
        lambda: Execution.objects.filter(status="running", task_name="pipelines.tasks.level1_run").first(),
        timeout=120,
        interval=0.05,
    )
    kill_hard(worker)
    start_worker(**WORKER_ENV)
    settings.L2PORTAL_HEARTBEAT_LIMIT_SECONDS = 2
    time.sleep(2.5)
    recovery = ledger.reconcile(SYSTEM)
    assert running.pk in [execution.pk for execution, _ in recovery.lost]
    wait_for(_all_done, timeout=180)
    assert _products() == clean_products  # same files, same bytes, none registered twice
    assert Execution.objects.get(pk=running.pk).status == "lost"


def test_downlinks_sharing_a_run_at_once_give_the_files_of_one_after_the_other(
    start_worker, tmp_path, clean_products
):
    register_magic7_for(tmp_path=tmp_path)
    start_worker(concurrency=2, **WORKER_ENV)
    for folder in simulate():  # both at once: their chunks decode side by side
        services.ingest_downlink(folder, SYSTEM)
    wait_for(_all_done, timeout=180)
    together = _products()
    # Every file is the one of the sequential run; every merged version is there. (Level 1 of the
    # shared run's first version may be skipped: its second version was merged before it came up.)
    assert together.items() <= clean_products.items()
    assert {p for p in together if "_evt_" in p} == {p for p in clean_products if "_evt_" in p}
    intents, transitions = TaskIntent.objects.count(), Downlink.transition_model().objects.count()
    for folder in simulate():
        assert services.ingest_downlink(folder, SYSTEM)[1] is False
    time.sleep(1)
    assert (TaskIntent.objects.count(), Downlink.transition_model().objects.count()) == (intents, transitions)
    assert _products() == together


def test_a_corrupt_chunk_fails_alone_until_it_is_fixed_and_retried(start_worker, operator, tmp_path, client):
    register_magic7_for(tmp_path=tmp_path)
    start_worker(**WORKER_ENV)
    first, second = simulate(corrupt=(230401002, 2))
    services.ingest_downlink(first, SYSTEM)
    services.ingest_downlink(second, SYSTEM)
    broken = Chunk.objects.get(downlink__downlink_id=230401002, number=2)
    wait_for(lambda: Downlink.objects.get(downlink_id=230401001).state == "done", timeout=180)
    wait_for(lambda: Chunk.objects.exclude(pk=broken.pk).filter(state="done").count() == 5, timeout=60)
    broken.refresh_from_db()
    downlink = Downlink.objects.get(downlink_id=230401002)
    assert broken.state == "error" and downlink.state == "error"
    reason = downlink.transitions.get(to_state="error").reason
    assert reason.startswith("chunk 2 failed: 230401002-00002.chunk is corrupt: CRC-32")
    client.force_login(operator)
    page = client.get(f"/pipelines/downlinks/{downlink.pk}/").content.decode()
    assert "230401002-00002.chunk is corrupt" in page

    simulate()  # the chunk fetched again, intact
    client.post(f"/pipelines/chunks/{broken.pk}/retry/")
    wait_for(_all_done, timeout=180)
    assert list(downlink.transitions.values_list("to_state", flat=True)) == [
        "chunking", "error", "chunking", "chunks_done", "merging", "done",
    ]  # fmt: skip
