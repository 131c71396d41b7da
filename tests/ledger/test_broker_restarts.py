"""A broker restarted without persistence loses nothing: work waiting for a retry waits in the
outbox (PostgreSQL), not in the broker, and a worker holding work outlives its broker's restarts."""

import pytest
from django.db import transaction

from l2portal.ledger import services
from l2portal.ledger.models import Execution, TaskIntent
from tests.conftest import wait_for
from tests.ledger.flaky_tasks import FLAKY, read_when_there, work_until_told

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_on_own_redis(own_redis, broker_at, start_worker):
    own_redis.start()
    broker_at(own_redis.url)
    return start_worker(broker_url=own_redis.url, include=(FLAKY,), L2PORTAL_RELAY_SECONDS=0.5, wait=False)


def runs_of(intent) -> list[str]:
    return list(
        Execution.objects.filter(task_id=str(intent.task_id)).order_by("pk").values_list("status", flat=True)
    )


def test_a_retry_waiting_in_backoff_survives_a_broker_restart(worker_on_own_redis, own_redis, tmp_path):
    marker = tmp_path / "store-is-back"
    with transaction.atomic():
        intent = services.enqueue(read_when_there.name, str(marker))
    wait_for(lambda: "retried" in runs_of(intent), timeout=90)
    assert TaskIntent.objects.get(pk=intent.pk).status in ("pending", "sent")  # waits, not done
    own_redis.stop()  # everything the broker held is gone
    own_redis.start()
    marker.write_text("back")
    try:
        wait_for(lambda: TaskIntent.objects.get(pk=intent.pk).status == "done", timeout=180)
    except AssertionError:
        pytest.fail("the retry was lost:\n" + worker_on_own_redis.log_path.read_text()[-3000:])
    assert runs_of(intent)[-1] == "succeeded" and runs_of(intent).count("succeeded") == 1
    assert set(runs_of(intent)[:-1]) == {"retried"}
    assert worker_on_own_redis.poll() is None


@pytest.mark.xfail(
    strict=False,
    reason="open (issue 19): with bounded broker sockets the worker no longer exits and passed 6 of 7 "
    "runs (three of them with 12 restarts each under CPU load), but once in a full suite Redis went "
    "down again 30 ms after the worker reconnected, while its consumer was still starting: it logged "
    "'Cannot connect ... Trying again in 2.00 seconds' and then nothing, alive and not consuming",
)
def test_a_worker_holding_work_outlives_five_broker_restarts(worker_on_own_redis, own_redis, tmp_path):
    marker = tmp_path / "done"
    with transaction.atomic():
        intent = services.enqueue(work_until_told.name, str(marker))
    wait_for(lambda: runs_of(intent) == ["running"], timeout=90)
    log = worker_on_own_redis.log_path
    for _ in range(5):  # restarted while the worker holds the delivered, unacknowledged message
        connected = log.read_text().count("Connected to redis")
        own_redis.stop()
        own_redis.start()
        wait_for(lambda seen=connected: log.read_text().count("Connected to redis") > seen, timeout=60)
    marker.write_text("told")
    try:
        wait_for(lambda: TaskIntent.objects.get(pk=intent.pk).status == "done", timeout=180)
    except AssertionError:
        pytest.fail("the work was not done:\n" + worker_on_own_redis.log_path.read_text()[-3000:])
    assert worker_on_own_redis.poll() is None, worker_on_own_redis.log_path.read_text()[-3000:]
    assert runs_of(intent).count("succeeded") == 1
