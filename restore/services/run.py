"""Running the pipeline on the PPR or the restore script: a free slot (at most RESTORE_MAX_CONCURRENT
at once), then the pipeline watched to its end (time limit, cancellation, heartbeat, outcome, outputs).
A watcher that died leaves the pipeline running; the next one adopts it or records how it ended."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from l2portal.ledger import conf as ledger_conf
from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor
from l2portal.registry import services as registry
from restore import conf
from restore.science import runner
from restore.science.casalog import failure_reason
from restore.science.layout import RestoreLayout
from restore.science.plan import SCRIPT_ROUTE

from .. import events, task_names
from ..models import RestoreRequest
from ..selectors import log_text
from .notify import notify_requester
from .outputs import register_outputs
from .steps import STAGE_AGAIN, STEP_ERRORS, fail
from .watch import watcher_lost

log = logging.getLogger(__name__)


def run(request: RestoreRequest, actor: Actor) -> None:
    """Run the pipeline, watching it: time limit, cancellation, heartbeat, outcome."""
    if request.state == "running":
        if watcher_lost(request):
            _adopt(request, actor)
        return  # otherwise a redelivered message: a live task watches this run
    if request.state != "prepared" or request.cancel_requested:
        return
    _verify_inputs(request, actor)  # before a slot is taken
    if not _take_slot(request, actor):
        _wait_for_slot(request)
        return
    try:
        outcome, detail = _launch_and_watch(request)
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
        _watching(request, pid=None, exit_code=None)
    return True


def _watching(request: RestoreRequest, **fields) -> None:
    """This process watches the request's pipeline from now on."""
    fields = {
        "heartbeat_at": timezone.now(),
        "host": ledger_conf.host_name(),
        "watcher_pid": os.getpid(),
        **fields,
    }
    RestoreRequest.objects.filter(pk=request.pk).update(**fields)
    for name, value in fields.items():
        setattr(request, name, value)


def _lock_slots() -> None:
    """Serialise slot taking across workers (released at commit); SQLite has one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('restore.running-slots', 0))")


def _wait_for_slot(request: RestoreRequest) -> None:
    """Try again later; when tasks run in place, the next restore that ends starts it."""
    if not ledger.tasks_run_in_place():
        ledger.enqueue(task_names.RUN, request.pk, countdown=conf.wait_seconds())


def _command(request: RestoreRequest) -> list[str]:
    run_file = str(registry.absolute_path(request.run_file))
    if request.plan.get("route") == SCRIPT_ROUTE:
        return runner.command_line(conf.script_command(), [run_file], script=run_file)
    return runner.command_line(conf.pipeline_command(), [run_file], ppr=run_file)


def _verify_inputs(request: RestoreRequest, actor: Actor) -> None:
    """What the pipeline reads (the staged files, the PPR or script) against its registration."""
    staged = [s.product for s in request.staged_files.select_related("product") if s.product]
    registry.verify_inputs([request.run_file, *staged], actor, subject=request, remedy=STAGE_AGAIN)


def _launch_and_watch(request: RestoreRequest) -> tuple[str, str]:
    """Launch the pipeline and watch it to its end; returns (outcome, detail)."""
    layout = request.layout
    request.log_path = ""
    log_path = _log_path(request)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    process = runner.launch(
        _command(request), cwd=layout.working, env=_environment(layout), log_path=log_path
    )
    _watching(
        request,
        pid=process.pid,
        log_path=str(log_path),
        progress_note=f"pipeline running (pid {process.pid})",
    )
    ending = runner.watch(process, time_limit=conf.time_limit(), keep_going=lambda: _heartbeat(request))
    return _outcome(request, ending)


def _adopt(request: RestoreRequest, actor: Actor) -> None:
    """Take over a run whose watcher died: watch its process group if it still runs here, or
    record how it ended from its exit file, log and errorexit files."""
    previous = f"pid {request.watcher_pid} on {request.host}" if request.watcher_pid else "unknown"
    if not request.pid:  # the watcher died before the pipeline started
        ledger.record_event(
            events.RESTORE_WATCHER_ADOPTED, f"watcher ({previous}) gone before launch", actor, subject=request
        )
        _verify_inputs(request, actor)
        _watching(request)
        outcome, detail = _launch_and_watch(request)
        _finish(request, actor, outcome, detail)
        return
    here = request.host == ledger_conf.host_name()
    exit_code = runner.read_exit_code(_log_path(request))
    if not here and exit_code is None:
        RestoreRequest.objects.filter(pk=request.pk).update(
            progress_note=f"the pipeline runs on {request.host}; waiting for its exit to be recorded"[:255]
        )
        return  # the next watcher sent (every minute) looks again
    ledger.record_event(
        events.RESTORE_WATCHER_ADOPTED,
        f"the watcher ({previous}) is gone; {ledger_conf.host_name()} pid {os.getpid()} takes over the "
        f"pipeline (process group {request.pid})",
        actor,
        subject=request,
    )
    _watching(request, host=request.host)
    ending = None
    if here:
        remaining = conf.time_limit() - (timezone.now() - request.state_changed_at).total_seconds()
        ending = runner.watch_group(
            request.pid, time_limit=max(remaining, 0), keep_going=lambda: _heartbeat(request)
        )
    _finish(request, actor, *_outcome(request, ending))


def _log_path(request: RestoreRequest) -> Path:
    if request.log_path:
        return Path(request.log_path)
    return request.layout.logs / f"pipeline-request-{request.pk}-{_attempt(request)}.log"


def _attempt(request: RestoreRequest) -> int:
    return request.transitions.filter(to_state="running").count()


def _outcome(request: RestoreRequest, ending: int | runner.Stopped | None) -> tuple[str, str]:
    """(outcome, detail) from how the watch ended, the exit code, the errorexit files and the log."""
    if ending is runner.Stopped.CANCELLED:
        return "cancelled", f"pipeline process group {request.pid} stopped"
    if ending is runner.Stopped.TIMED_OUT:
        return (
            "error",
            f"the pipeline ran longer than the time limit of {conf.time_limit():g} s and was stopped",
        )
    exit_code = ending if isinstance(ending, int) else runner.read_exit_code(_log_path(request))
    RestoreRequest.objects.filter(pk=request.pk).update(exit_code=exit_code)
    request.exit_code = exit_code
    working = request.layout.working
    started = request.state_changed_at.timestamp()
    errorexits = sorted(
        path.name for path in working.glob("errorexit-*.txt") if path.stat().st_mtime >= started
    )
    if exit_code == 0 and not errorexits:
        return "restored", f"the pipeline finished (exit code {exit_code})"
    if exit_code is None:
        reason = "the pipeline ended without recording its exit code (its process group was killed)"
    else:
        reason = f"the pipeline failed with exit code {exit_code}"
    if errorexits:
        reason += f" and wrote {errorexits[-1]}"
    said = failure_reason(log_text(request))
    return "error", reason + (f": {said}" if said else "")


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
    try:
        register_outputs(request, _attempt(request))
    except STEP_ERRORS as error:  # the outcome is recorded all the same
        log.exception("outputs of %s not registered", request)
        detail += f" (its outputs could not be registered: {error})"
    RestoreRequest.objects.filter(pk=request.pk).update(
        pid=None, heartbeat_at=None, watcher_pid=None, progress_note=detail[:255]
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
