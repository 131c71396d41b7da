import threading

import pytest
from django.db import connection

from l2portal.ledger import services
from l2portal.ledger.models import FanIn
from l2portal.ledger.services import fan_in

started = []


@pytest.fixture
def record_enqueues(monkeypatch):
    started.clear()
    monkeypatch.setattr(fan_in, "enqueue", lambda name, *args, **kwargs: started.append((name, kwargs)))
    return started


@pytest.mark.django_db
def test_continuation_fires_once_when_all_parts_are_done(record_enqueues):
    services.fan_in_open("downlink:230401001", 3, "pipelines.tasks.merge_run", run_id=545208791)
    assert services.fan_in_part_done("downlink:230401001", "chunk-1") is False
    assert services.fan_in_part_done("downlink:230401001", "chunk-1") is False  # redelivered
    assert services.fan_in_part_done("downlink:230401001", "chunk-2") is False
    assert services.fan_in_part_done("downlink:230401001", "chunk-3") is True
    assert services.fan_in_part_done("downlink:230401001", "chunk-3") is False
    assert record_enqueues == [("pipelines.tasks.merge_run", {"run_id": 545208791})]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_and_duplicated_parts_fire_exactly_once(record_enqueues):
    services.fan_in_open("downlink:1", 8, "pipelines.tasks.merge_run")
    barrier = threading.Barrier(16)
    fired = []

    def report(part):
        try:
            barrier.wait()
            fired.append(services.fan_in_part_done("downlink:1", f"chunk-{part}"))
        finally:
            connection.close()

    # Every part reported twice at once, as a redelivering broker would.
    threads = [threading.Thread(target=report, args=(n % 8,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fired.count(True) == 1
    assert len(record_enqueues) == 1
    assert FanIn.objects.get(key="downlink:1").parts.count() == 8
