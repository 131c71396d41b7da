"""The run step: the pipeline (the CASA stand-in) watched to its end, its failures, the time limit,
the cap on restores running at once, and a redelivered run task."""

import sys
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from l2portal.ledger.services import Actor, retry, transition
from restore import selectors, services
from restore.models import RestoreRequest
from tests.restore.conftest import X80E

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("test")


def test_pipeline_failure_reports_the_errorexit_text_and_a_retry_restores(
    scientist, run_restore, monkeypatch
):
    monkeypatch.setenv("STANDIN_CASA_FAIL", "1")
    restore = run_restore(X80E, scientist)
    assert restore.state == "error"
    failure = restore.transitions.get(to_state="error")
    assert failure.details["failed_in"] == "running"
    assert "exit code 1" in failure.reason and "errorexit-" in failure.reason
    assert "Unhandled error in executeppr" in failure.reason
    assert restore.exit_code == 1
    assert "Error" in mail.outbox[-1].subject and "retry" in mail.outbox[-1].body

    monkeypatch.delenv("STANDIN_CASA_FAIL")
    retry(restore, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "restored", restore.progress_note
    logs = sorted(path.name for path in (Path(restore.layout_root) / "logs").glob("pipeline-*.log"))
    assert logs == [f"pipeline-request-{restore.pk}-1.log", f"pipeline-request-{restore.pk}-2.log"]


def test_a_non_zero_exit_code_alone_is_a_failure(scientist, run_restore, settings):
    settings.RESTORE_PIPELINE_COMMAND = (
        f"{sys.executable} -c 'import sys; print(\"boom\"); sys.exit(3)' {{ppr}}"
    )
    restore = run_restore(X80E, scientist)
    assert restore.state == "error"
    assert "exit code 3" in restore.transitions.get(to_state="error").reason
    assert "boom" in "\n".join(selectors.log_tail(restore))


def test_the_time_limit_stops_the_pipeline(scientist, run_restore, settings, monkeypatch):
    settings.RESTORE_TIME_LIMIT = 1
    monkeypatch.setenv("STANDIN_CASA_SLEEP", "60")
    restore = run_restore(X80E, scientist)
    assert restore.state == "error"
    assert "time limit of 1 s" in restore.transitions.get(to_state="error").reason
    assert restore.pid is None


def test_the_concurrency_cap_keeps_a_prepared_restore_waiting(scientist, run_restore, settings):
    settings.RESTORE_MAX_CONCURRENT = 1
    first = run_restore(X80E, scientist)
    assert first.state == "restored"
    # A restore occupies the only slot; the second one, prepared, waits.
    blocker = RestoreRequest.objects.create(mous_uid="uid://A001/X1284/X265f")
    for state in ("checked", "staged", "prepared", "running"):
        transition(blocker, state, ACTOR)
    waiting = RestoreRequest.objects.create(mous_uid=X80E, plan=first.plan, layout_root=first.layout_root)
    for state in ("checked", "staged"):
        transition(waiting, state, ACTOR)
    transition(waiting, "prepared", ACTOR)
    RestoreRequest.objects.filter(pk=waiting.pk).update(ppr=first.ppr)
    services.run_step(services.run, waiting.pk, ACTOR)
    waiting.refresh_from_db()
    assert waiting.state == "prepared"
    assert waiting.progress_note == "waiting for a free slot: 1 of 1 restores are running"
    # The slot comes free: the waiting restore starts.
    transition(blocker, "cancelled", ACTOR)
    services.start_waiting()
    waiting.refresh_from_db()
    assert waiting.state == "restored", waiting.progress_note


def test_a_redelivered_run_leaves_a_watched_pipeline_alone(scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    for state in ("checked", "staged", "prepared", "running"):
        transition(restore, state, ACTOR)
    RestoreRequest.objects.filter(pk=restore.pk).update(heartbeat_at=timezone.now())
    services.run_step(services.run, restore.pk, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "running" and restore.pid is None and restore.log_path == ""
