"""The run step: the pipeline (the CASA stand-in) watched to its end on either route, its failures
in the pipeline's own words, the time limit, the cap on restores running at once, a redelivered run
task, and a pipeline whose watcher died: adopted while it runs, its end recorded once it stopped."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, retry, transition
from l2portal.registry.services import absolute_path
from restore import conf, selectors, services
from restore.models import RestoreRequest
from restore.science import runner
from tests.conftest import wait_for
from tests.restore.conftest import X80E

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("test")


def test_a_failing_script_run_reports_the_error_in_its_own_words_and_a_retry_restores(
    scientist, run_restore, monkeypatch
):
    monkeypatch.setenv("STANDIN_CASA_FAIL", "1")
    restore = run_restore(X80E, scientist)
    assert restore.state == "error"
    failure = restore.transitions.get(to_state="error")
    assert failure.details["failed_in"] == "running"
    assert failure.reason == (
        "the pipeline failed with exit code 1: RuntimeError: h_init failed: STANDIN_CASA_FAIL is set"
    )
    assert restore.exit_code == 1
    assert "Error" in mail.outbox[-1].subject and "retry" in mail.outbox[-1].body
    assert restore.output_products.filter(product_type="restore_log").exists()  # the failed run's log

    monkeypatch.delenv("STANDIN_CASA_FAIL")
    retry(restore, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "restored", restore.progress_note
    logs = sorted(path.name for path in (Path(restore.layout_root) / "logs").glob("pipeline-*.log"))
    assert logs == [f"pipeline-request-{restore.pk}-1.log", f"pipeline-request-{restore.pk}-2.log"]
    runs = {product.metadata["run"] for product in restore.output_products.all()}
    assert runs == {1, 2}


def test_a_failing_ppr_run_names_the_errorexit_and_the_task(operator, run_restore, monkeypatch):
    monkeypatch.setenv("STANDIN_CASA_FAIL", "1")
    restore = run_restore(X80E, operator, force_ppr=True)
    reason = restore.transitions.get(to_state="error").reason
    assert reason.startswith("the pipeline failed with exit code 1 and wrote errorexit-")
    assert reason.endswith(".txt: RuntimeError: hifa_importdata failed: STANDIN_CASA_FAIL is set")
    assert restore.output_products.filter(product_type="restore_errorexit").count() == 1


def test_a_non_zero_exit_code_alone_is_a_failure(scientist, run_restore, settings):
    settings.RESTORE_SCRIPT_COMMAND = (
        f"{sys.executable} -c 'import sys; print(\"boom\"); sys.exit(3)' {{script}}"
    )
    restore = run_restore(X80E, scientist)
    assert restore.state == "error"
    assert restore.transitions.get(to_state="error").reason == "the pipeline failed with exit code 3"
    assert "boom" in "\n".join(selectors.log_tail(restore))


def test_the_time_limit_stops_the_pipeline(scientist, run_restore, settings, monkeypatch):
    settings.RESTORE_TIME_LIMIT = 1
    monkeypatch.setenv("STANDIN_CASA_SLEEP", "60")
    restore = run_restore(X80E, scientist)
    assert restore.state == "error"
    assert "time limit of 1 s" in restore.transitions.get(to_state="error").reason
    assert restore.pid is None and restore.watcher_pid is None


def test_the_concurrency_cap_keeps_a_prepared_restore_waiting(scientist, run_restore, settings):
    settings.RESTORE_MAX_CONCURRENT = 1
    first = run_restore(X80E, scientist)
    assert first.state == "restored"
    # A restore occupies the only slot; the second one, prepared, waits.
    blocker = RestoreRequest.objects.create(mous_uid="uid://A001/X1284/X265f")
    for state in ("checked", "staged", "prepared", "running"):
        transition(blocker, state, ACTOR)
    RestoreRequest.objects.filter(pk=blocker.pk).update(heartbeat_at=timezone.now())
    waiting = RestoreRequest.objects.create(
        mous_uid=X80E, plan=first.plan, layout_root=first.layout_root, restore_script=first.restore_script
    )
    for state in ("checked", "staged", "prepared"):
        transition(waiting, state, ACTOR)
    services.run_restore_step(waiting.pk, services.run, ACTOR)
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
    RestoreRequest.objects.filter(pk=restore.pk).update(
        heartbeat_at=timezone.now(), host=socket.gethostname(), watcher_pid=os.getpid(), pid=999999
    )
    services.run_restore_step(restore.pk, services.run, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "running" and restore.log_path == "" and restore.watcher_pid == os.getpid()
    assert not LedgerEvent.objects.filter(kind="restore_watcher_adopted").exists()


# -- a watcher that died ------------------------------------------------------------------------


@pytest.fixture
def parked(scientist, run_restore, settings):
    """X80e prepared, waiting for a slot (so nothing watches it yet)."""
    settings.RESTORE_MAX_CONCURRENT = 0
    restore = run_restore(X80E, scientist)
    assert restore.state == "prepared"
    settings.RESTORE_MAX_CONCURRENT = 1
    return restore


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def launched_by_a_watcher_that_died(restore: RestoreRequest, sleep: float = 0) -> int:
    """Move the restore to Running as its watcher did, launching the pipeline from a process that
    exits at once (as a task in a worker killed with SIGKILL); returns the pipeline's group id."""
    transition(restore, "running", ACTOR, "pipeline starting")
    layout = restore.layout
    log_path = layout.logs / f"pipeline-request-{restore.pk}-1.log"
    script = str(absolute_path(restore.restore_script))
    launch = {
        "args": runner.command_line(conf.script_command(), [script], script=script),
        "cwd": str(layout.working),
        "env": {**os.environ, "SCIPIPE_ROOTDIR": str(layout.root), "SCIPIPE_LOGDIR": str(layout.logs)}
        | {"STANDIN_CASA_SLEEP": str(sleep)},
        "log": str(log_path),
    }
    launcher = (
        "import json, sys; from pathlib import Path; from restore.science import runner; "
        "spec = json.loads(sys.argv[1]); "
        "print(runner.launch(spec['args'], cwd=Path(spec['cwd']), env=spec['env'], "
        "log_path=Path(spec['log'])).pid)"
    )
    pid = int(subprocess.check_output([sys.executable, "-c", launcher, json.dumps(launch)], text=True))
    RestoreRequest.objects.filter(pk=restore.pk).update(
        pid=pid,
        log_path=str(log_path),
        host=socket.gethostname(),
        watcher_pid=dead_pid(),
        heartbeat_at=timezone.now(),
    )
    return pid


def test_a_new_watcher_adopts_a_running_pipeline(parked):
    pid = launched_by_a_watcher_that_died(parked, sleep=3)
    assert runner.alive(pid)
    parked.refresh_from_db()
    assert services.watcher_lost(parked)  # its watcher's process is gone, though it beat just now
    assert services.send_watchers(ACTOR) == [parked.pk]  # what beat does every minute
    parked.refresh_from_db()
    assert parked.state == "restored", parked.progress_note
    assert parked.exit_code == 0 and not runner.alive(pid)
    adopted = LedgerEvent.objects.get(kind="restore_watcher_adopted")
    assert f"takes over the pipeline (process group {pid})" in adopted.message
    assert LedgerEvent.objects.filter(kind="restore_watcher_lost", subject_id=str(parked.pk)).exists()
    assert parked.output_products.filter(product_type="restore_weblog").count() == 2


def test_the_end_of_a_pipeline_nobody_watched_is_read_from_its_exit_file(parked, monkeypatch):
    monkeypatch.setenv("STANDIN_CASA_FAIL", "1")
    pid = launched_by_a_watcher_that_died(parked)
    wait_for(lambda: not runner.alive(pid))
    services.run_restore_step(parked.pk, services.run, ACTOR)
    parked.refresh_from_db()
    assert parked.state == "error" and parked.exit_code == 1
    assert "STANDIN_CASA_FAIL is set" in parked.transitions.get(to_state="error").reason


def test_a_pipeline_on_another_host_is_waited_for_until_its_exit_is_recorded(parked):
    pid = launched_by_a_watcher_that_died(parked, sleep=2)
    RestoreRequest.objects.filter(pk=parked.pk).update(host="elsewhere", heartbeat_at=None)
    services.run_restore_step(parked.pk, services.run, ACTOR)
    parked.refresh_from_db()
    assert parked.state == "running" and "runs on elsewhere" in parked.progress_note
    wait_for(lambda: not runner.alive(pid))
    services.run_restore_step(parked.pk, services.run, ACTOR)
    parked.refresh_from_db()
    assert parked.state == "restored" and parked.exit_code == 0


def test_cancelling_a_pipeline_whose_watcher_died_stops_it(parked, scientist):
    pid = launched_by_a_watcher_that_died(parked, sleep=60)
    services.cancel(parked, Actor.of_user(scientist))  # sends a new watcher, which stops it
    parked.refresh_from_db()
    assert parked.state == "cancelled" and not runner.alive(pid)
    assert f"pipeline process group {pid} stopped" in parked.transitions.get(to_state="cancelled").reason
