"""A real Celery worker against Redis and the test database."""

import pytest

from l2portal.ledger.models import Execution
from l2portal.registry import services as registry
from l2portal.registry.models import Product
from l2portal.registry.tasks import export_collection
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _collection_with_one_file():
    run = registry.get_run_collection("P310")
    registry.write_product(
        run, registry.product_path(run, "P310_notes.txt"), "notes", lambda tmp: tmp.write_text("notes")
    )
    return run


def _finished(task_id, count=1):
    return lambda: Execution.objects.filter(task_id=task_id).exclude(status="running").count() >= count


def test_worker_runs_a_task_end_to_end_and_records_its_execution(celery_worker_process, data_root):
    run = _collection_with_one_file()
    result = export_collection.delay(run.pk)
    wait_for(_finished(result.id))
    execution = Execution.objects.get(task_id=result.id)
    assert execution.status == Execution.Status.SUCCEEDED, execution.error
    assert execution.task_name == "l2portal.registry.tasks.export_collection"
    assert execution.parameters == {"args": [run.pk], "kwargs": {}}
    assert execution.pid and execution.host and execution.software["celery"]
    export = execution.outputs.get()
    assert export.product_type == "export" and (data_root / export.path).is_file()
    assert [p.path for p in execution.inputs.all()] == ["P310/P310_notes.txt"]


def test_task_delivered_twice_leaves_one_product_and_one_result(celery_worker_process, data_root):
    run = _collection_with_one_file()
    # The same message twice, as Redis redelivers an unacknowledged task.
    export_collection.apply_async((run.pk,), task_id="redelivered-export")
    export_collection.apply_async((run.pk,), task_id="redelivered-export")
    wait_for(_finished("redelivered-export", count=2))
    runs = Execution.objects.filter(task_id="redelivered-export")
    assert [e.status for e in runs] == ["succeeded", "succeeded"]
    exports = Product.objects.filter(product_type="export")
    assert exports.count() == 1
    assert len(list((data_root / "P310" / "exports").iterdir())) == 1


def test_task_enqueued_in_a_rolled_back_transaction_never_runs(celery_worker_process):
    from django.db import transaction

    run = _collection_with_one_file()
    try:
        with transaction.atomic():
            export_collection.delay_on_commit(run.pk)
            raise RuntimeError("request failed")
    except RuntimeError:
        pass
    committed = export_collection.delay(run.pk)
    wait_for(_finished(committed.id))
    assert Execution.objects.count() == 1
