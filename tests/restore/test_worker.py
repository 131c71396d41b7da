"""Restores through a real Celery worker (restore queue) on the test database and Redis."""

import os
import signal

import pytest
from rest_framework.test import APIClient

from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.ledger.services import Actor
from restore import selectors, services
from restore.models import RestoreRequest
from tests.conftest import wait_for
from tests.restore.conftest import X80E

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

STEPS = {"restore.tasks.check", "restore.tasks.stage", "restore.tasks.prepare", "restore.tasks.run"}


def state_of(restore):
    return RestoreRequest.objects.values_list("state", flat=True).get(pk=restore.pk)


def test_a_full_restore_through_a_real_worker(scientist, celery_worker_process):
    restore = services.request_restore(X80E, Actor.of_user(scientist))
    wait_for(lambda: state_of(restore) in {"restored", "error", "cancelled"}, timeout=120)
    restore.refresh_from_db()
    assert restore.state == "restored", restore.progress_note
    executions = Execution.objects.filter(task_name__in=STEPS)
    # The last step moves the request on before its task returns and its Execution is closed.
    wait_for(lambda: not executions.filter(status="running").exists())
    assert {execution.task_name for execution in executions} == STEPS
    assert {execution.status for execution in executions} == {"succeeded"}
    assert {execution.subject_id for execution in executions} == {str(restore.pk)}
    assert restore.host and restore.exit_code == 0
    assert any("Restoring calibration state" in line for line in selectors.log_tail(restore))
    assert restore.output_products.filter(product_type="restore_weblog").exists()


@pytest.fixture
def slow_pipeline(monkeypatch):
    """The stand-in pipeline takes minutes (set before the worker starts, which passes it on)."""
    monkeypatch.setenv("STANDIN_CASA_SLEEP", "300")


def test_cancel_stops_the_pipeline_run_by_the_worker(slow_pipeline, scientist, celery_worker_process):
    restore = services.request_restore(X80E, Actor.of_user(scientist))
    running = wait_for(
        lambda: RestoreRequest.objects.filter(pk=restore.pk, state="running", pid__isnull=False).first(),
        timeout=120,
    )
    wait_for(lambda: any("Creating new pipeline context" in line for line in selectors.log_tail(running)))
    os.killpg(running.pid, 0)  # the pipeline's process group is alive

    client = APIClient()
    client.force_authenticate(scientist)
    assert client.post(f"/api/restores/{restore.pk}/cancel/").json()["cancel_requested"] is True
    wait_for(lambda: state_of(restore) == "cancelled", timeout=60)
    with pytest.raises(ProcessLookupError):
        os.killpg(running.pid, 0)
    restore.refresh_from_db()
    assert restore.pid is None
    assert "stopped" in restore.transitions.get(to_state="cancelled").reason


@pytest.fixture
def no_free_slot(monkeypatch):
    """The worker may run no restore at once, and looks again every second."""
    monkeypatch.setenv("RESTORE_MAX_CONCURRENT", "0")
    monkeypatch.setenv("RESTORE_WAIT_SECONDS", "1")


def test_over_the_cap_a_restore_waits_and_tries_again(no_free_slot, scientist, celery_worker_process):
    restore = services.request_restore(X80E, Actor.of_user(scientist))
    runs = Execution.objects.filter(
        task_name="restore.tasks.run", subject_id=str(restore.pk), status="succeeded"
    )
    wait_for(lambda: runs.count() >= 2, timeout=60)
    restore.refresh_from_db()
    assert restore.state == "prepared" and restore.pid is None
    assert restore.progress_note == "waiting for a free slot: 0 of 0 restores are running"
    # Cancelled, it stops trying (no run task is left behind for the next test).
    services.cancel(restore, Actor.of_user(scientist))
    wait_for(lambda: runs.count() >= 3, timeout=60)
    assert state_of(restore) == "cancelled"


@pytest.fixture
def pipeline_of_some_seconds(monkeypatch):
    monkeypatch.setenv("STANDIN_CASA_SLEEP", "8")


def test_a_pipeline_whose_watcher_is_killed_is_adopted_and_its_end_recorded(
    pipeline_of_some_seconds, scientist, celery_worker_process
):
    restore = services.request_restore(X80E, Actor.of_user(scientist))
    running = wait_for(
        lambda: RestoreRequest.objects.filter(
            pk=restore.pk, state="running", pid__isnull=False, watcher_pid__isnull=False
        ).first(),
        timeout=120,
    )
    os.kill(running.watcher_pid, signal.SIGKILL)  # the worker process running the run task dies
    wait_for(lambda: state_of(restore) in {"restored", "error", "cancelled"}, timeout=120)
    restore.refresh_from_db()
    assert restore.state == "restored", restore.progress_note
    assert restore.exit_code == 0 and restore.transitions.filter(to_state="running").count() == 1
    adopted = LedgerEvent.objects.get(kind="restore_watcher_adopted", subject_id=str(restore.pk))
    assert f"(process group {running.pid})" in adopted.message  # the same pipeline, not a new one
    assert restore.output_products.filter(product_type="restore_weblog").count() == 2
