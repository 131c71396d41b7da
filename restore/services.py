"""MOUS restores, step by step: the only place where a restore request changes state.

requested --check--> checked | not_restorable --stage--> staged --prepare--> prepared --run--> running
--> restored; any step may fail (Error, retried by an operator from the step that failed) and any
request that has not ended may be cancelled. Each step is a task on the ``restore`` queue
(restore.tasks) and is idempotent: it acts only from the state it expects.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from l2portal.files import atomic_output
from l2portal.ledger import services as ledger
from l2portal.ledger.execution import TransientError, attach_subject, current_execution
from l2portal.ledger.roles import OPERATOR, has_role
from l2portal.ledger.services import Actor
from l2portal.ledger.states import TransitionNotAllowed
from restore import archive, conf
from restore.layout import RestoreLayout, disk_name
from restore.plan import PlanError, RestorePlan, load_plan
from restore.ppr import PprError, build_ppr, check_ppr, parameter_value
from restore.productstore import ProductStore, StoreError, StoreUnreachable
from restore.sessions import UnsafeXMLError

from .models import RestoreRequest, StagedFile

log = logging.getLogger(__name__)

MOUS_UID = re.compile(r"uid://A[0-9]{3}/X[0-9a-fA-F]+/X[0-9a-fA-F]+")
PRODUCT_CLASSES = ("calibration", "script")
POLL_SECONDS = 1.0
STOP_GRACE_SECONDS = 10.0
# A running restore whose watching task gave no sign of life for this long has lost its worker.
HEARTBEAT_STALE = timedelta(minutes=2)
LOG_TAIL_BYTES = 64 * 1024
ERROREXIT_CHARS = 4000
# Errors of the archive, product store and pipeline input that no retry of the same step can fix alone.
STEP_ERRORS = (archive.ArchiveError, PlanError, PprError, StoreError, UnsafeXMLError, ValueError, OSError)


class RestoreRefused(ValueError):
    """A request that cannot be accepted as it is; nothing changed (an event is recorded)."""


class StepFailed(Exception):
    """The step cannot go on: the request moves to Error with this reason."""


# --- Requests and cancellation ------------------------------------------------------------------


def request_restore(mous_uid: str, user=None, actor: Actor | None = None) -> RestoreRequest:
    """Accept a restore of ``mous_uid`` and start its archive check."""
    actor = actor or Actor.of_user(user)
    uid = (mous_uid or "").strip()
    if not MOUS_UID.fullmatch(uid):
        message = f"{uid!r} is not a member OUS uid; expected the form uid://A001/X12a3/X80e"
        ledger.record_event("restore_refused", message, actor, mous_uid=uid[:100])
        raise RestoreRefused(message)
    with transaction.atomic():
        request = RestoreRequest.objects.create(mous_uid=uid, requested_by=user)
        ledger.start_step(request)
    return request


def may_cancel(user, request: RestoreRequest) -> bool:
    """Operators cancel any restore; a scientist cancels the restores they asked for."""
    return has_role(user, OPERATOR) or (
        request.requested_by_id is not None and request.requested_by_id == getattr(user, "pk", None)
    )


def cancel(request: RestoreRequest, actor: Actor) -> RestoreRequest:
    """Stop a restore. Before it runs it is cancelled at once; while the pipeline runs, the task
    watching it sees the flag, stops the pipeline's process group and moves it to Cancelled."""
    with transaction.atomic():
        current = RestoreRequest.objects.select_for_update().get(pk=request.pk)
        refusal = current.machine.refusal(ledger.describe(current), current.state, "cancelled")
        if refusal is None:
            RestoreRequest.objects.filter(pk=request.pk).update(cancel_requested=True)
            if current.state == "running":
                message = f"{actor.label} asked to stop the pipeline"
                ledger.record_event("restore_cancel_requested", message, actor, subject=current)
            else:
                ledger.transition(current, "cancelled", actor, f"cancelled by {actor.label}")
    if refusal is not None:
        ledger.record_event("transition_refused", str(refusal), actor, subject=current, to_state="cancelled")
        raise refusal
    request.refresh_from_db()
    if request.state == "cancelled":
        notify_requester(request)
    return request


# --- Steps --------------------------------------------------------------------------------------


def run_step(
    step: Callable[[RestoreRequest, Actor], None], request_id: int, actor: Actor, last_attempt: bool = True
) -> None:
    """Run one step for a request: a StepFailed moves it to Error (the requester is told); a
    request that moved on meanwhile (cancelled, say) is left alone. A TransientError is raised on
    for the task to retry later, and moves the request to Error on the ``last_attempt``."""
    request = RestoreRequest.objects.get(pk=request_id)
    execution = current_execution()
    if execution is not None:
        attach_subject(execution, request)
    try:
        step(request, actor)
    except StepFailed as error:
        fail(request, actor, str(error))
    except TransientError as error:
        if last_attempt:
            fail(request, actor, f"gave up after repeated failures: {error}")
        raise
    except TransitionNotAllowed as error:
        log.info("%s moved on while %s ran: %s", request, step.__name__, error)


def fail(request: RestoreRequest, actor: Actor, reason: str) -> None:
    try:
        ledger.fail(request, actor, reason)
    except TransitionNotAllowed as error:
        log.info("%s ended meanwhile, not failing it: %s", request, error)
        return
    RestoreRequest.objects.filter(pk=request.pk).update(progress_note=reason[:255])
    request.refresh_from_db()
    notify_requester(request)


def _open_archive():
    try:
        return archive.connect(conf.archive_url())
    except archive.ArchiveError as error:
        raise StepFailed(f"cannot open the archive: {error}") from None


def plan_summary(plan: RestorePlan) -> dict[str, Any]:
    metadata = plan.metadata
    return {
        "project_code": metadata.project_code,
        "project_title": metadata.project_title,
        "sous_uid": metadata.sous_uid,
        "gous_uid": metadata.gous_uid,
        "sched_block_uid": metadata.sched_block_uid,
        "relative_path": str(plan.relative_path),
        "sessions": [list(session) for session in plan.sessions],
        "dataset": list(plan.dataset),
        "procedure_title": plan.procedure_title,
        "procedure": [
            {"name": call.name, "arguments": {k: parameter_value(v) for k, v in call.arguments.items()}}
            for call in plan.procedure
        ],
        "script_differences": list(plan.script_differences),
        "restore_script": plan.manifest.restore_script
        or archive.product_file_named(metadata.product_files, "casa_piperestorescript.py"),
        "product_files": [
            {"name": product.ngas_file_id, "file_class": product.file_class}
            for product in metadata.product_files
            if product.file_class in PRODUCT_CLASSES
        ],
    }


def sessions_table(plan: RestorePlan) -> list[dict[str, Any]]:
    return [
        {
            "eb_uid": row.eb_uid,
            "qa0_status": row.qa0_status,
            "ous_status_session": row.ous_status_session,
            "manifest_session": row.manifest_session,
            "in_manifest": row.manifest_session is not None,
            "ppr_session": row.ppr_session,
            "in_dataset": row.in_dataset,
        }
        for row in plan.rows
    ]


def check(request: RestoreRequest, actor: Actor) -> None:
    """Can we restore? Ask the archive, plan from the manifest and restore script, record the answer."""
    if request.state != "requested":
        return
    connection_ = _open_archive()
    plan = None
    try:
        verdict = archive.can_restore(connection_, request.mous_uid)
        if verdict.restorable:
            store = ProductStore(conf.product_store())
            try:
                plan = load_plan(connection_, request.mous_uid, store.read)
            except PlanError as error:
                verdict = archive.RestoreVerdict(False, str(error))
    except StoreUnreachable as error:
        raise TransientError(str(error)) from None
    except STEP_ERRORS as error:
        raise StepFailed(f"archive check failed: {error}") from None
    finally:
        connection_.close()
    fields = {"restorable": verdict.restorable, "restorable_reason": verdict.reason}
    if plan is not None:
        fields.update(
            plan=plan_summary(plan), sessions_table=sessions_table(plan), warnings=list(plan.warnings)
        )
    with transaction.atomic():
        RestoreRequest.objects.filter(pk=request.pk).update(**fields)
        ledger.transition(request, "checked" if plan else "not_restorable", actor, verdict.reason)
        ledger.start_step(request)
    if request.state == "not_restorable":
        request.refresh_from_db()
        notify_requester(request)


def layout_of(request: RestoreRequest) -> RestoreLayout:
    plan = request.plan
    return RestoreLayout(
        Path(request.layout_root), plan["project_code"], plan["sous_uid"], plan["gous_uid"], request.mous_uid
    )


def _planned_files(request: RestoreRequest, layout: RestoreLayout) -> list[StagedFile]:
    """The StagedFile rows of this restore, created on the first staging attempt."""
    mous_dir = layout.mous_dir
    planned = [
        StagedFile(
            request=request,
            kind=StagedFile.Kind.ASDM,
            name=eb,
            relative_path=str((layout.rawdata / disk_name(eb)).relative_to(mous_dir)),
        )
        for eb in request.plan["dataset"]
    ] + [
        StagedFile(
            request=request,
            kind=StagedFile.Kind.PRODUCT,
            name=product["name"],
            file_class=product["file_class"],
            relative_path=str((layout.products / product["name"]).relative_to(mous_dir)),
        )
        for product in request.plan["product_files"]
    ]
    StagedFile.objects.bulk_create(planned, ignore_conflicts=True)
    return list(request.staged_files.order_by("kind", "name"))


def _still_verified(staged: StagedFile, mous_dir: Path) -> bool:
    path = mous_dir / staged.relative_path
    if staged.status != StagedFile.Status.VERIFIED:
        return False
    if staged.kind == StagedFile.Kind.ASDM:
        return (path / "ASDM.xml").is_file()
    return path.is_file() and path.stat().st_size == staged.size


def command_line(template: str, positional: list[str], **placeholders: str) -> list[str]:
    """``template`` split like a shell would; ``{name}`` placeholders filled in, or, if it has
    none, ``positional`` appended."""
    words = shlex.split(template)
    marks = [f"{{{name}}}" for name in placeholders]
    if not any(mark in word for word in words for mark in marks):
        return words + positional
    for name, value in placeholders.items():
        words = [word.replace(f"{{{name}}}", value) for word in words]
    return words


def _tree_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def _export_asdm(eb_uid: str, rawdata: Path) -> dict[str, Any]:
    args = command_line(conf.export_command(), [eb_uid, str(rawdata)], uid=eb_uid, dest=str(rawdata))
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=conf.time_limit())
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StepFailed(f"export of {eb_uid} could not run ({shlex.join(args)}): {error}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-500:]
        raise StepFailed(f"export of {eb_uid} failed with exit code {done.returncode}: {tail}")
    asdm = rawdata / disk_name(eb_uid)
    if not (asdm / "ASDM.xml").is_file():
        raise StepFailed(f"export of {eb_uid} finished but {asdm}/ASDM.xml is not there")
    return {"size": _tree_size(asdm), "sha256": ""}


def _fetch_product(store: ProductStore, staged: StagedFile, target: Path, sha256: str) -> dict[str, Any]:
    announced: list[int | None] = []
    try:
        with atomic_output(target, overwrite=True) as tmp:
            fetched = store.fetch(staged.name, tmp, sha256, on_size=announced.append)
    except StoreError as error:
        raise StepFailed(str(error)) from None
    return {"size": fetched.size, "sha256": fetched.sha256, "expected_size": announced[0]}


def _stage_one(store: ProductStore, checksums: dict[str, str], staged: StagedFile, mous_dir: Path):
    """Runs in a staging thread: file work only, no database (the caller records the result)."""
    if staged.kind == StagedFile.Kind.ASDM:
        return _export_asdm(staged.name, (mous_dir / staged.relative_path).parent)
    sha256 = checksums.get(staged.name)
    if sha256 is None:
        raise StepFailed(f"{staged.name}: the store's checksum listing has no entry for it")
    return {
        "expected_sha256": sha256,
        **_fetch_product(store, staged, mous_dir / staged.relative_path, sha256),
    }


def _progress(request: RestoreRequest, done: int, total: int, note: str) -> bool:
    """Record progress; return whether a cancellation was asked for meanwhile."""
    RestoreRequest.objects.filter(pk=request.pk).update(
        progress_done=done, progress_total=total, progress_note=note[:255]
    )
    return RestoreRequest.objects.filter(pk=request.pk, cancel_requested=True).exists()


def stage(request: RestoreRequest, actor: Actor) -> None:
    """Export the raw ASDMs into rawdata/ and fetch the products into products/, verified, in
    parallel; files verified by an earlier attempt are skipped."""
    if request.state != "checked" or request.cancel_requested:
        return
    if not request.layout_root:
        request.layout_root = str(conf.restore_root() / f"request-{request.pk}")
        RestoreRequest.objects.filter(pk=request.pk).update(layout_root=request.layout_root)
    layout = layout_of(request)
    try:
        mous_dir = layout.create()
        (Path(request.layout_root) / "logs").mkdir(exist_ok=True)
    except (OSError, ValueError) as error:
        raise StepFailed(f"cannot create the restore layout: {error}") from None
    files = _planned_files(request, layout)
    todo = [staged for staged in files if not _still_verified(staged, mous_dir)]
    done = len(files) - len(todo)
    store = ProductStore(conf.product_store())
    checksums: dict[str, str] = {}
    if any(staged.kind == StagedFile.Kind.PRODUCT for staged in todo):
        try:
            checksums = store.checksums(request.mous_uid)
        except StoreError as error:
            raise StepFailed(f"cannot read the product store's checksum listing: {error}") from None
    if _progress(request, done, len(files), f"staging: {done} of {len(files)} files verified"):
        return  # cancelled meanwhile
    failures = []
    with ThreadPoolExecutor(max_workers=conf.staging_threads(), thread_name_prefix="restore-stage") as pool:
        futures = {pool.submit(_stage_one, store, checksums, staged, mous_dir): staged for staged in todo}
        for future in as_completed(futures):
            staged = futures[future]
            staged.attempts += 1
            try:
                result = future.result()
            except (StepFailed, *STEP_ERRORS) as error:
                staged.status, staged.error = StagedFile.Status.FAILED, str(error)
                failures.append(str(error))
            else:
                staged.status, staged.error = StagedFile.Status.VERIFIED, ""
                for field, value in result.items():
                    setattr(staged, field, value)
                done += 1
            staged.save()
            if _progress(request, done, len(files), f"staging: {done} of {len(files)} files verified"):
                pool.shutdown(cancel_futures=True)
                return
    if failures:
        raise StepFailed(
            f"staging failed for {len(failures)} of {len(files)} file(s): " + "; ".join(sorted(failures))
        )
    with transaction.atomic():
        ledger.transition(request, "staged", actor, f"{len(files)} files staged and verified")
        ledger.start_step(request)


def ppr_relative_path(collection, request: RestoreRequest, layout: RestoreLayout) -> str:
    """Where the PPR is registered: the working/ folder of the request's layout, inside the
    "restores" collection (that is the layout itself when RESTORE_ROOT is the default)."""
    return ledger.product_path(
        collection,
        f"request-{request.pk}",
        *layout.relative_path.parts,
        "working",
        f"PPR_{conf.COLLECTION}_request-{request.pk}.xml",
    )


def prepare(request: RestoreRequest, actor: Actor) -> None:
    """Build the PPR from the staged manifest and script, read it back by the pipeline's rules,
    and register it."""
    if request.state != "staged":
        return
    layout = layout_of(request)
    connection_ = _open_archive()
    try:
        plan = load_plan(connection_, request.mous_uid, layout.products)
        ppr = build_ppr(
            plan,
            root_directory=request.layout_root,
            creation_time=datetime.now(UTC),
            operator=request.requested_by.get_username() if request.requested_by else "Undefined",
            processing_site=socket.gethostname(),
        )
        check_ppr(ppr, plan.manifest)
    except STEP_ERRORS as error:
        raise StepFailed(f"the PPR cannot be built: {error}") from None
    finally:
        connection_.close()
    collection = ledger.get_run_collection(conf.COLLECTION, "MOUS restores: PPRs")
    with transaction.atomic():
        product = ledger.write_product(
            collection,
            ppr_relative_path(collection, request, layout),
            "restore_ppr",
            lambda tmp: tmp.write_bytes(ppr),
            metadata={"mous_uid": request.mous_uid, "restore_request": request.pk},
        )
        RestoreRequest.objects.filter(pk=request.pk).update(ppr=product)
        ledger.transition(request, "prepared", actor, f"PPR {product.filename} validated and registered")
        ledger.start_step(request)


# --- Running the pipeline -------------------------------------------------------------------------


def _lock_slots() -> None:
    """Serialise slot taking across workers (released at commit); SQLite has one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('restore.running-slots', 0))")


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


def _wait_for_slot(request: RestoreRequest) -> None:
    """Try again later; in the embedded mode (tasks run in place) the next ending restore starts it."""
    from celery import current_app

    if not current_app.conf.task_always_eager:
        task = current_app.tasks[RestoreRequest.step_tasks["prepared"]]
        transaction.on_commit(lambda: task.apply_async((request.pk,), countdown=conf.wait_seconds()))


def start_waiting() -> None:
    """A slot came free: start the oldest prepared requests waiting for one."""
    free = conf.max_concurrent() - RestoreRequest.objects.filter(state="running").count()
    waiting = RestoreRequest.objects.filter(state="prepared", cancel_requested=False).order_by(
        "state_changed_at"
    )
    for request in waiting[: max(free, 0)]:
        ledger.start_step(request)


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_process_group(pid: int, process: subprocess.Popen | None = None) -> None:
    """SIGTERM the pipeline's process group, then SIGKILL what is left after a grace period."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, STOP_GRACE_SECONDS)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None and not _alive(pid):
                return
            if process is None and not _alive(pid):
                return
            time.sleep(0.1)
    if process is not None:
        process.wait(timeout=STOP_GRACE_SECONDS)


def run(request: RestoreRequest, actor: Actor) -> None:
    """Run the pipeline on the PPR, watching it: time limit, cancellation, heartbeat, outcome."""
    if request.state == "running":
        if request.heartbeat_at and timezone.now() - request.heartbeat_at < HEARTBEAT_STALE:
            return  # a redelivered message: another task is watching this run
        if request.pid and request.host == socket.gethostname() and _alive(request.pid):
            _stop_process_group(request.pid)  # the watcher died; its pipeline is not trusted
        RestoreRequest.objects.filter(pk=request.pk).update(heartbeat_at=timezone.now())
    elif request.state != "prepared" or request.cancel_requested:
        return
    elif not _take_slot(request, actor):
        _wait_for_slot(request)
        return
    try:
        outcome, detail = _watch_pipeline(request)
    except OSError as error:
        outcome, detail = "error", f"the pipeline could not be started: {error}"
    _finish_run(request, actor, outcome, detail)


def _pipeline_environment(request: RestoreRequest, layout: RestoreLayout) -> dict[str, str]:
    root = Path(request.layout_root)
    return {
        **os.environ,
        "SCIPIPE_ROOTDIR": str(root),
        "SCIPIPE_LOGDIR": str(root / "logs"),
        "SCIPIPE_SCRIPTDIR": conf.script_dir() or str(layout.products),
    }


def _watch_pipeline(request: RestoreRequest) -> tuple[str, str]:
    """Launch the pipeline and wait for it; returns (outcome, detail)."""
    layout = layout_of(request)
    root = Path(request.layout_root)
    attempt = request.transitions.filter(to_state="running").count()
    log_path = root / "logs" / f"pipeline-request-{request.pk}-{attempt}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    script = request.plan.get("restore_script") or ""
    args = command_line(
        conf.pipeline_command(),
        [str(ledger.absolute_path(request.ppr))],
        ppr=str(ledger.absolute_path(request.ppr)),
        script=str(layout.products / script),
    )
    errorexits_before = set(layout.working.glob("errorexit-*.txt"))
    with open(log_path, "ab") as log_file:
        log_file.write(f"$ {shlex.join(args)}\n".encode())
        log_file.flush()
        process = subprocess.Popen(
            args,
            cwd=layout.working,
            env=_pipeline_environment(request, layout),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so cancelling stops CASA's children too
        )
    RestoreRequest.objects.filter(pk=request.pk).update(
        pid=process.pid, log_path=str(log_path), progress_note=f"pipeline running (pid {process.pid})"
    )
    deadline = time.monotonic() + conf.time_limit()
    while True:
        try:
            exit_code = process.wait(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            pass
        RestoreRequest.objects.filter(pk=request.pk).update(heartbeat_at=timezone.now())
        if RestoreRequest.objects.filter(pk=request.pk, cancel_requested=True).exists():
            _stop_process_group(process.pid, process)
            return "cancelled", f"pipeline process group {process.pid} stopped"
        if time.monotonic() > deadline:
            _stop_process_group(process.pid, process)
            return (
                "error",
                f"the pipeline ran longer than the time limit of {conf.time_limit():g} s and was stopped",
            )
    RestoreRequest.objects.filter(pk=request.pk).update(exit_code=exit_code)
    errorexits = sorted(set(layout.working.glob("errorexit-*.txt")) - errorexits_before)
    if exit_code != 0 or errorexits:
        reason = f"the pipeline failed with exit code {exit_code}"
        if errorexits:
            text = errorexits[-1].read_text(encoding="utf-8", errors="replace").strip()
            reason += f"; {errorexits[-1].name}: {text[:ERROREXIT_CHARS]}"
        return "error", reason
    return "restored", f"the pipeline finished (exit code {exit_code})"


def working_outputs(layout: RestoreLayout, logs: Path) -> list[dict[str, Any]]:
    """What the restore left: the top of working/ (MSes, weblog, flag versions) and the logs."""
    outputs = []
    for folder, where in ((layout.working, "working"), (logs, "logs")):
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path.name.startswith("."):
                continue
            entry = {"name": f"{where}/{path.name}", "kind": "folder" if path.is_dir() else "file"}
            entry["size"] = _tree_size(path) if path.is_dir() else path.stat().st_size
            weblog = sorted(path.glob("html/index.html")) if path.is_dir() else []
            if weblog:
                entry["weblog"] = str(weblog[0].relative_to(layout.mous_dir))
            outputs.append(entry)
    return outputs


def _finish_run(request: RestoreRequest, actor: Actor, outcome: str, detail: str) -> None:
    layout = layout_of(request)
    RestoreRequest.objects.filter(pk=request.pk).update(
        pid=None,
        heartbeat_at=None,
        outputs=working_outputs(layout, Path(request.layout_root) / "logs"),
        progress_note=detail[:255],
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


# --- Reading a restore ------------------------------------------------------------------------------


def log_tail(request: RestoreRequest, lines: int = 200) -> list[str]:
    """The last ``lines`` lines of the pipeline log (empty before the pipeline started)."""
    if not request.log_path:
        return []
    path = Path(request.log_path)
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return text.splitlines()[-lines:]


def ppr_bytes(request: RestoreRequest) -> bytes | None:
    if request.ppr is None:
        return None
    return ledger.absolute_path(request.ppr).read_bytes()


STEPS = ("requested", "checked", "staged", "prepared", "running", "restored")


def timeline(request: RestoreRequest) -> list[dict[str, Any]]:
    """The steps of the restore with when each was reached, then every move as it happened.

    Uses the prefetched ``transitions`` so a list of requests costs no query per request."""
    moves = list(request.transitions.all())
    reached = {"requested": request.created_at}
    for move in moves:
        reached.setdefault(move.to_state, move.at)
    ended = request.state if request.state in {"not_restorable", "cancelled", "error"} else None
    # A restore that could not be done stops after its request: the later steps never apply.
    planned = STEPS[:1] if request.state == "not_restorable" else STEPS
    steps = [
        {
            "state": state,
            "label": request.machine.label(state),
            "at": reached.get(state),
            "current": state == request.state,
        }
        for state in planned
    ]
    if ended:
        steps.append(
            {
                "state": ended,
                "label": request.machine.label(ended),
                "at": request.state_changed_at,
                "current": True,
            }
        )
    return steps


# --- Telling the requester -----------------------------------------------------------------------


def notify_requester(request: RestoreRequest) -> None:
    """E-mail the requester that the restore ended (restored, not restorable, cancelled or failed)."""
    user = request.requested_by
    if user is None or not user.email:
        return
    page = conf.site_url() + reverse("restore:detail", args=[request.pk])
    reason = request.transitions.order_by("-at", "-id").values_list("reason", flat=True).first() or ""
    body = (
        f"Your restore of {request.mous_uid} (request #{request.pk}) is now: {request.state_label}.\n\n"
        f"{reason}\n\n"
        + ("An operator can retry it from the step that failed.\n\n" if request.state == "error" else "")
        + f"Details, the PPR, the log and the outputs: {page}\n"
    )
    try:
        send_mail(
            f"[l2portal] restore of {request.mous_uid}: {request.state_label}", body, None, [user.email]
        )
    except (OSError, ValueError) as error:
        ledger.record_event(
            "restore_email_failed",
            f"could not e-mail {user.email}: {error}",
            Actor.system("restore notification"),
            subject=request,
        )
