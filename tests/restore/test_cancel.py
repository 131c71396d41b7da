"""Cancelling a restore from any state it can be in before it ends: at once before it runs (a step
task still at work sees it and stops), through the watching task while the pipeline runs; operators
cancel any restore, scientists their own."""

import os
import threading

import pytest
from django.core import mail
from django.db import connection

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor, transition
from l2portal.ledger.states import TransitionNotAllowed
from restore import selectors, services
from restore.models import RestoreRequest
from tests.conftest import wait_for
from tests.restore.conftest import X80E

ACTOR = Actor.system("test")


@pytest.mark.django_db(transaction=True)
def test_cancel_before_the_run_stops_at_once(scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)  # its check is queued
    services.cancel(restore, Actor.of_user(scientist))
    assert restore.state == "cancelled" and restore.cancel_requested
    services.run_restore_step(restore.pk, services.check, ACTOR)  # the queued check finds nothing to do
    restore.refresh_from_db()
    assert restore.state == "cancelled" and restore.restorable is None
    assert "Cancelled" in mail.outbox[-1].subject
    with pytest.raises(TransitionNotAllowed, match="cannot move from 'cancelled'"):
        services.cancel(restore, Actor.of_user(scientist))
    assert LedgerEvent.objects.filter(kind="transition_refused").exists()


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_the_running_pipeline(scientist, run_restore, settings, monkeypatch):
    settings.RESTORE_MAX_CONCURRENT = 0  # park it in Prepared
    monkeypatch.setenv("STANDIN_CASA_SLEEP", "60")
    restore = run_restore(X80E, scientist)
    assert restore.state == "prepared"
    settings.RESTORE_MAX_CONCURRENT = 1

    def watch():
        try:
            services.run_restore_step(restore.pk, services.run, ACTOR)
        finally:
            connection.close()  # this thread's own connection

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = wait_for(lambda: RestoreRequest.objects.filter(pk=restore.pk, pid__isnull=False).first())
    wait_for(lambda: any("Creating new pipeline context" in line for line in selectors.log_tail(started)))
    services.cancel(started, Actor.of_user(scientist))
    assert started.state == "running"  # the watching task stops it
    watcher.join(timeout=60)
    restore.refresh_from_db()
    assert restore.state == "cancelled"
    assert "process group" in restore.transitions.get(to_state="cancelled").reason
    with pytest.raises(ProcessLookupError):
        os.killpg(started.pid, 0)


@pytest.mark.django_db
def test_scientists_cancel_only_their_own_restores(scientist, other_scientist, operator):
    theirs = RestoreRequest.objects.create(mous_uid=X80E, requested_by=other_scientist)
    assert not services.may_cancel(Actor.of_user(scientist), theirs)
    with pytest.raises(NotPermitted, match="ask an operator"):
        services.cancel(theirs, Actor.of_user(scientist))
    theirs.refresh_from_db()
    assert theirs.state == "requested" and not theirs.cancel_requested
    assert LedgerEvent.objects.get(kind="not_permitted").actor == "scientist"
    assert services.may_cancel(Actor.of_user(other_scientist), theirs)
    assert services.may_cancel(Actor.of_user(operator), theirs)
    assert services.cancel(theirs, Actor.of_user(operator)).state == "cancelled"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "step"),
    [
        ("checked", services.stage),
        ("staged", services.prepare),
        ("prepared", services.run),
    ],
)
def test_cancel_from_every_step_before_the_run_and_the_step_task_stops(scientist, state, step):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    for move in ("checked", "staged", "prepared")[: ("checked", "staged", "prepared").index(state) + 1]:
        transition(restore, move, ACTOR)
    services.cancel(restore, Actor.of_user(scientist))
    assert restore.state == "cancelled"
    services.run_restore_step(restore.pk, step, ACTOR)  # its task, still queued, does nothing
    restore.refresh_from_db()
    assert restore.state == "cancelled" and restore.run_file is None and not restore.staged_files.exists()
