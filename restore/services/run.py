"""Running the pipeline on the PPR: a free slot (at most RESTORE_MAX_CONCURRENT at once), then
the pipeline watched to its end: time limit, cancellation, heartbeat, outcome."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor
from restore import conf, runner
from restore.layout import RestoreLayout

from ..models import RestoreRequest
from ..selectors import layout_of
from .notify import notify_requester
from .steps import fail

# A running restore whose watching task gave no sign of life for this long has lost its worker.
HEARTBEAT_STALE = timedelta(minutes=2)
ERROREXIT_CHARS = 4000


def run(request: RestoreRequest, actor: Actor) -> None:
    """Run the pipeline on the PPR, watching it: time limit, cancellation, heartbeat, outcome."""
    if request.state == "running":
        if request.heartbeat_at and timezone.now() - request.heartbeat_at < HEARTBEAT_STALE:
            return  # a redelivered message: another task is watching this run
        if request.pid and request.host == socket.gethostname() and runner.alive(request.pid):
            runner.stop_process_group(request.pid)  # the watcher died; its pipeline is not trusted
        RestoreRequest.objects.filter(pk=request.pk).update(heartbeat_at=timezone.now())
    elif request.state != "prepared" or request.cancel_requested:
        return
    elif not _take_slot(request, actor):
        _wait_for_slot(request)
        return
    try:
        outcome, detail = _run_pipeline(request)
    except OSError as error:
        outcome, detail = "error", f"the pipeline could not be started: {error}"
    _finish(request, actor, outcome, detail)


def start_waiting() -> None:
    """A slot came free: start the oldest prepared requests waiting for one."""
    free = conf.max_concurrent() - RestoreRequest.objects.filter(state="running").count()
    waiting = RestoreRequest.objects.filter(state="prepared", cancel_requested=False).order_by(
        "state_changed_at"
    )
    for request in waiting[: max(free, 0)]:
        ledger.start_step(request)


def _take_slot(request: RestoreRequest, actor: Actor) -> bool:
    """Move the request to Running if fewer than RESTORE_MAX_CONCURRENT restores run."""
    cap = conf.max_concurrent()
    with transaction.atomic():
        _lock_slots()
        running = RestoreRequest.objects.filter(state="running").count()
        if running >= cap:
            RestoreRequest.objects.filter(pk=request.pk).update(
                progress_note=f"waiting for a free slot: {running} of {cap} restores are running"
            )
            return False
        ledger.transition(request, "running", actor, "pipeline starting")
        RestoreRequest.objects.filter(pk=request.pk).update(
            heartbeat_at=timezone.now(), host=socket.gethostname(), pid=None, exit_code=None
        )
    return True


def _lock_slots() -> None:
    """Serialise slot taking across workers (released at commit); SQLite has one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('restore.running-slots', 0))")


def _wait_for_slot(request: RestoreRequest) -> None:
    """Try again later; when tasks run in place, the next restore that ends starts it."""
    if not ledger.tasks_run_in_place():
        ledger.enqueue(RestoreRequest.step_tasks["prepared"], request.pk, countdown=conf.wait_seconds())


def _run_pipeline(request: RestoreRequest) -> tuple[str, str]:
    """Launch the pipeline and watch it to its end; returns (outcome, detail)."""
    layout = layout_of(request)
    attempt = request.transitions.filter(to_state="running").count()
    log_path = layout.logs / f"pipeline-request-{request.pk}-{attempt}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    ppr = str(ledger.absolute_path(request.ppr))
    script = request.plan.get("restore_script") or ""
    args = runner.command_line(conf.pipeline_command(), [ppr], ppr=ppr, script=str(layout.products / script))
    errorexits_before = set(layout.working.glob("errorexit-*.txt"))
    process = runner.launch(args, cwd=layout.working, env=_environment(layout), log_path=log_path)
    RestoreRequest.objects.filter(pk=request.pk).update(
        pid=process.pid, log_path=str(log_path), progress_note=f"pipeline running (pid {process.pid})"
    )
    ending = runner.watch(process, time_limit=conf.time_limit(), keep_going=lambda: _heartbeat(request))
    if ending is runner.Stopped.CANCELLED:
        return "cancelled", f"pipeline process group {process.pid} stopped"
    if ending is runner.Stopped.TIMED_OUT:
        limit = conf.time_limit()
        return "error", f"the pipeline ran longer than the time limit of {limit:g} s and was stopped"
    RestoreRequest.objects.filter(pk=request.pk).update(exit_code=ending)
    errorexits = sorted(set(layout.working.glob("errorexit-*.txt")) - errorexits_before)
    if ending != 0 or errorexits:
        reason = f"the pipeline failed with exit code {ending}"
        if errorexits:
            text = errorexits[-1].read_text(encoding="utf-8", errors="replace").strip()
            reason += f"; {errorexits[-1].name}: {text[:ERROREXIT_CHARS]}"
        return "error", reason
    return "restored", f"the pipeline finished (exit code {ending})"


def _environment(layout: RestoreLayout) -> dict[str, str]:
    return {
        **os.environ,
        "SCIPIPE_ROOTDIR": str(layout.root),
        "SCIPIPE_LOGDIR": str(layout.logs),
        "SCIPIPE_SCRIPTDIR": conf.script_dir() or str(layout.products),
    }


def _heartbeat(request: RestoreRequest) -> bool:
    """The watcher's sign of life; False once a cancellation was asked for."""
    RestoreRequest.objects.filter(pk=request.pk).update(heartbeat_at=timezone.now())
    return not RestoreRequest.objects.filter(pk=request.pk, cancel_requested=True).exists()


def _finish(request: RestoreRequest, actor: Actor, outcome: str, detail: str) -> None:
    layout = layout_of(request)
    RestoreRequest.objects.filter(pk=request.pk).update(
        pid=None, heartbeat_at=None, outputs=layout.outputs(), progress_note=detail[:255]
    )
    try:
        if outcome == "error":
            fail(request, actor, detail)
        else:
            ledger.transition(request, outcome, actor, detail)
            request.refresh_from_db()
            notify_requester(request)
    finally:
        start_waiting()
