"""Recovery: executions whose worker died are marked lost and their partial files removed; work
whose message was lost is sent again while its subject still waits; nothing else is touched."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from l2portal.ledger import services
from l2portal.ledger.models import Execution, LedgerEvent, TaskIntent
from l2portal.registry import services as registry
from l2portal.registry.models import Product
from tests.factories import SYSTEM, program

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(hours=1)


def _collection():
    return registry.get_run_collection("P310")


def _sent_intent(task_name="l2portal.registry.tasks.export_collection", *args, waiting=None, ago=LONG_AGO):
    intent = TaskIntent.objects.create(
        task_name=task_name,
        args=list(args),
        status=TaskIntent.Status.SENT,
        sent_at=timezone.now() - ago,
        subject_type=None,
    )
    if waiting is not None:
        from django.contrib.contenttypes.models import ContentType

        TaskIntent.objects.filter(pk=intent.pk).update(
            subject_type=ContentType.objects.get_for_model(waiting),
            subject_id=str(waiting.pk),
            waiting_state=waiting.state,
        )
        intent.refresh_from_db()
    return intent


def _killed_execution(intent, data_root, relative="P310/exports/P310_export_x.json"):
    """What a SIGKILLed worker leaves: a running Execution gone silent and its partial file."""
    execution = Execution.objects.create(
        task_name=intent.task_name,
        task_id=str(intent.task_id),
        worker="celery@gone",
        pid=4242,
        heartbeat_at=timezone.now() - LONG_AGO,
        writing=[relative],
    )
    partial = data_root / relative
    partial.parent.mkdir(parents=True, exist_ok=True)
    leftover = partial.parent / f".{partial.name}.x{execution.pk}.k1ll3d.part"
    leftover.write_bytes(b"half a file")
    other_writer = partial.parent / f".{partial.name}.x{execution.pk + 1000}.al1ve.part"
    other_writer.write_bytes(b"someone else's file in progress")
    return execution, leftover, other_writer


def test_an_execution_whose_worker_died_is_lost_its_partial_file_removed_and_its_work_sent_again(data_root):
    run = _collection()
    registry.write_product(
        run, registry.product_path(run, "P310_notes.txt"), "notes", lambda t: t.write_text("n")
    )
    intent = _sent_intent("l2portal.registry.tasks.export_collection", run.pk)
    execution, leftover, other_writer = _killed_execution(intent, data_root)

    recovery = services.reconcile(SYSTEM)

    execution.refresh_from_db()
    assert execution.status == "lost" and "no heartbeat from celery@gone" in execution.error
    assert not leftover.exists() and other_writer.exists()
    assert [why for _, why in recovery.resend] == ["its worker died while running it"]
    intent.refresh_from_db()
    assert intent.status == "done" and intent.resent == 1  # sent again: it ran (in place here)
    assert Product.objects.filter(product_type="export").count() == 1
    assert LedgerEvent.objects.filter(kind="execution_lost").get().details["partial_files_removed"] == 1
    assert LedgerEvent.objects.filter(kind="work_sent_again").exists()


def test_a_live_execution_is_left_alone(data_root):
    intent = _sent_intent()
    Execution.objects.create(
        task_name=intent.task_name,
        task_id=str(intent.task_id),
        worker="celery@alive",
        heartbeat_at=timezone.now(),
    )
    recovery = services.reconcile(SYSTEM)
    assert recovery.lost == [] and recovery.resend == []
    assert TaskIntent.objects.get(pk=intent.pk).status == "sent"


def test_work_whose_subject_moved_on_is_not_sent_again():
    op = program("eid_moved")
    intent = _sent_intent("l2portal.programs.tasks.preprocess_program", op.pk, waiting=op)
    services.transition(op, "invertible", SYSTEM)
    recovery = services.reconcile(SYSTEM)
    assert [why for _, why in recovery.obsolete] == [
        f"observing program {op.pk} is invertible, not discovered"
    ]
    assert TaskIntent.objects.get(pk=intent.pk).status == "obsolete"


def test_a_finished_execution_closes_its_intent():
    intent = _sent_intent()
    Execution.objects.create(task_name=intent.task_name, task_id=str(intent.task_id), status="succeeded")
    services.reconcile(SYSTEM)
    assert TaskIntent.objects.get(pk=intent.pk).status == "done"


def test_dry_run_lists_and_changes_nothing(data_root, capsys):
    intent = _sent_intent()
    execution, leftover, _ = _killed_execution(intent, data_root)
    call_command("recover", "--dry-run")
    out = capsys.readouterr().out
    assert f"would lost: {intent.task_name} execution {execution.pk}" in out
    assert "would send again" in out and "its worker died" in out
    execution.refresh_from_db()
    assert execution.status == "running" and leftover.exists()
    assert TaskIntent.objects.get(pk=intent.pk).status == "sent"


def test_service_steps_outside_workers_are_lost_only_after_the_task_time_limit(settings):
    recent = Execution.objects.create(task_name="service step", started_at=timezone.now() - LONG_AGO)
    ancient = Execution.objects.create(
        task_name="service step",
        started_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60),
    )
    lost = [execution.pk for execution, _ in services.reconcile(SYSTEM).lost]
    assert lost == [ancient.pk] and recent.pk not in lost


@pytest.mark.django_db(transaction=True)
def test_a_running_task_heartbeats(settings):
    import time

    from l2portal.ledger.execution import recording

    settings.L2PORTAL_HEARTBEAT_SECONDS = 0.1
    with recording("tests.long_step", task_id=str(uuid.uuid4()), worker="celery@here") as execution:
        first = Execution.objects.get(pk=execution.pk).heartbeat_at
        time.sleep(0.5)
        later = Execution.objects.get(pk=execution.pk).heartbeat_at
    assert later > first


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_message_lost_by_the_broker_is_sent_again_and_one_still_queued_is_not(monkeypatch, settings):
    from l2portal.celery import app as celery_app

    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    celery_app.control.purge()
    settings.L2PORTAL_RESEND_AFTER_SECONDS = 0
    run = _collection()
    queued = services.enqueue("l2portal.registry.tasks.export_collection", run.pk)
    services.send_intents([queued.pk])  # in the broker's queue (no worker is consuming it)
    lost = _sent_intent("l2portal.registry.tasks.export_collection", run.pk)  # sent, but the broker forgot it
    assert str(queued.task_id) in services.broker_task_ids()
    recovery = services.reconcile(SYSTEM, dry_run=True)
    assert [(intent.pk, why) for intent, why in recovery.resend] == [
        (lost.pk, "its message is no longer in the broker")
    ]
    celery_app.control.purge()


def test_work_its_own_lost_run_moved_on_is_sent_again(data_root):
    """A step that moves its object along as it goes, killed half way, carries on when sent again."""
    op = program("eid_half_way")
    intent = _sent_intent("l2portal.programs.tasks.preprocess_program", op.pk, waiting=op)
    itself = services.Actor(label="the killed task", task_name=intent.task_name, task_id=str(intent.task_id))
    services.transition(op, "invertible", itself)
    _killed_execution(intent, data_root)
    recovery = services.reconcile(SYSTEM, dry_run=True)
    assert recovery.obsolete == []
    assert [(i.pk, why) for i, why in recovery.resend] == [(intent.pk, "its worker died while running it")]


def test_lost_work_is_sent_again_once_per_loss_and_not_while_it_runs_again(data_root):
    intent = _sent_intent(ago=timedelta(seconds=1))  # sent again a moment ago, after its loss
    Execution.objects.create(
        task_name=intent.task_name,
        task_id=str(intent.task_id),
        status="lost",
        started_at=timezone.now() - LONG_AGO,
    )
    assert services.reconcile(SYSTEM, dry_run=True).resend == []
    TaskIntent.objects.filter(pk=intent.pk).update(sent_at=timezone.now() - 2 * LONG_AGO)
    Execution.objects.create(
        task_name=intent.task_name,
        task_id=str(intent.task_id),
        worker="celery@alive",
        heartbeat_at=timezone.now(),
    )
    assert services.reconcile(SYSTEM, dry_run=True).resend == []  # its new run is alive


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_message_taken_by_a_worker_that_died_is_sent_again(monkeypatch, settings):
    """Delivered and never acknowledged, it would come back only after the visibility timeout."""
    from l2portal.celery import app as celery_app

    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    celery_app.control.purge()
    settings.L2PORTAL_RESEND_AFTER_SECONDS = 0
    taken = services.enqueue("l2portal.registry.tasks.export_collection", _collection().pk)
    services.send_intents([taken.pk])
    with celery_app.connection_for_write() as connection:
        assert connection.default_channel.basic_get("default", no_ack=False) is not None
        assert str(taken.task_id) not in services.broker_task_ids()  # no live worker holds it
        recovery = services.reconcile(SYSTEM, dry_run=True)
    assert [(intent.pk, why) for intent, why in recovery.resend] == [
        (taken.pk, "its message is no longer in the broker")
    ]
    celery_app.control.purge()
