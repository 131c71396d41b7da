"""The durable outbox: work asked for is recorded with the state change that asks for it, sent
after commit, kept while the broker is down and sent when it is back."""

import time

import pytest
from django.db import transaction

from l2portal.ledger import services
from l2portal.ledger.models import Execution, TaskIntent
from l2portal.registry import services as registry
from l2portal.registry.models import Product
from tests.conftest import wait_for


def _collection_with_one_file():
    run = registry.get_run_collection("P310")
    registry.write_product(
        run, registry.product_path(run, "P310_notes.txt"), "notes", lambda tmp: tmp.write_text("notes")
    )
    return run


@pytest.mark.django_db(transaction=True)
def test_enqueued_work_is_an_intent_that_runs_after_commit_and_is_then_done():
    run = _collection_with_one_file()
    with transaction.atomic():
        intent = services.enqueue("l2portal.registry.tasks.export_collection", run.pk)
        assert TaskIntent.objects.get(pk=intent.pk).status == "pending"
        assert not Product.objects.filter(product_type="export").exists()
    intent.refresh_from_db()
    assert intent.status == "done" and intent.done_at is not None
    execution = Execution.objects.get(task_id=str(intent.task_id))
    assert execution.status == "succeeded" and execution.outputs.get().product_type == "export"


@pytest.mark.django_db(transaction=True)
def test_work_asked_for_in_a_rolled_back_transaction_leaves_no_intent():
    run = _collection_with_one_file()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.enqueue("l2portal.registry.tasks.export_collection", run.pk)
        raise RuntimeError("request failed")
    assert not TaskIntent.objects.exists()
    assert not Execution.objects.filter(task_name="l2portal.registry.tasks.export_collection").exists()


@pytest.mark.django_db
def test_an_unknown_task_is_refused_where_it_is_asked_for():
    from celery.exceptions import NotRegistered

    with pytest.raises(NotRegistered):
        services.enqueue("pipelines.tasks.no_such_step", 1)
    assert not TaskIntent.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_work_asked_for_while_the_broker_is_down_runs_once_it_is_back(own_redis, broker_at, start_worker):
    url = own_redis.url
    broker_at(url)
    run = _collection_with_one_file()
    with transaction.atomic():
        intent = services.enqueue("l2portal.registry.tasks.export_collection", run.pk)
    intent.refresh_from_db()
    assert intent.status == "pending" and intent.last_error, "the request succeeds, the work waits"
    worker = start_worker(broker_url=url, wait=False, L2PORTAL_RELAY_SECONDS=0.5)
    time.sleep(1)  # the worker waits for its broker too
    own_redis.start()
    try:
        wait_for(lambda: TaskIntent.objects.get(pk=intent.pk).status == "done", timeout=90)
    except AssertionError:
        pytest.fail("the work did not run:\n" + worker.log_path.read_text()[-3000:])
    assert Product.objects.filter(product_type="export").count() == 1
