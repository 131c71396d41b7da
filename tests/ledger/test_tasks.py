import uuid
from datetime import timedelta

import pytest
from celery import shared_task
from celery.canvas import Signature
from celery.exceptions import Retry
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from l2portal.ledger.execution import ExecutionTask, TransientError
from l2portal.ledger.models import Execution, TaskIntent


@shared_task(name="tests.flaky_transfer")
def flaky_transfer() -> str:
    raise TransientError("product store answered 503")


@shared_task(name="tests.broken_input")
def broken_input() -> str:
    raise ValueError("frame 12 unreadable")


@pytest.mark.django_db
def test_transient_error_schedules_a_retry_with_backoff_and_records_the_attempt():
    with pytest.raises(Retry) as excinfo:
        flaky_transfer.delay()
    assert isinstance(excinfo.value.exc, TransientError)
    assert excinfo.value.when >= 0
    attempt = Execution.objects.get(task_name="tests.flaky_transfer")
    assert attempt.status == Execution.Status.RETRIED
    assert attempt.error.startswith("Retry") and "product store answered 503" in attempt.error


@pytest.mark.django_db
def test_other_errors_fail_at_once_without_retry():
    with pytest.raises(ValueError):
        broken_input.delay()
    assert Execution.objects.get(task_name="tests.broken_input").error == "ValueError: frame 12 unreadable"


def test_every_task_retries_transient_errors_with_exponential_backoff():
    from l2portal.celery import app

    assert app.Task is ExecutionTask or issubclass(app.Task, ExecutionTask)
    assert TransientError in flaky_transfer.autoretry_for
    assert flaky_transfer.retry_backoff and flaky_transfer.retry_jitter
    assert flaky_transfer.max_retries == 5


def test_celery_is_configured_for_at_least_once_delivery():
    from l2portal.celery import app
    from l2portal.portal.site import queues

    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert set(queues()) == {"default", "fits", "merge", "restore"}


def test_no_task_may_run_longer_than_redis_waits_before_redelivering_it():
    from l2portal.celery import app

    app.loader.import_default_modules()
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    limits = {name: task.time_limit or app.conf.task_time_limit for name, task in app.tasks.items()}
    assert "restore.tasks.run" in limits
    assert {name: limit for name, limit in limits.items() if limit >= visibility} == {}


@shared_task(name="tests.quick_step")
def quick_step() -> str:
    return "done"


@pytest.mark.django_db
def test_a_task_whose_execution_cannot_be_recorded_is_retried_like_a_transient_error(monkeypatch):
    """A locked or lost database while the Execution is opened is the task's transient error too:
    on a worker it is sent again with backoff, not failed for good."""

    def locked(**fields):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Execution.objects, "create", locked)
    sent = []  # nothing is published to wait in the broker
    monkeypatch.setattr(Signature, "apply_async", lambda signature, *args, **options: sent.append(signature))
    task_id = str(uuid.uuid4())
    quick_step.push_request(
        id=task_id,
        hostname="worker@host",
        is_eager=False,
        called_directly=False,
        retries=0,
        args=[],
        kwargs={},
    )
    try:
        before = timezone.now()
        with pytest.raises(Retry) as excinfo:
            quick_step()
        assert isinstance(excinfo.value.exc, OperationalError)
        assert sent == []
        waiting = TaskIntent.objects.get(task_id=task_id)  # the retry waits in the outbox
        assert (waiting.status, waiting.task_name, waiting.retries) == ("pending", "tests.quick_step", 1)
        assert waiting.not_before == waiting.next_attempt_at == excinfo.value.when
        assert before + timedelta(seconds=2) <= waiting.not_before <= timezone.now() + timedelta(seconds=2)
        quick_step.request.retries = quick_step.max_retries
        with pytest.raises(OperationalError):  # the last attempt fails as it is
            quick_step()
    finally:
        quick_step.pop_request()
