"""Provenance recorded at execution (the LSST Gen3 Butler notes): every task run, and every service step that
writes products outside a task, is an Execution row with its parameters, inputs, outputs,
software versions, host, timing, status, error and the tail of its log; the whole log goes to a
file under the data root as it runs (ledger.execution_log)."""

from __future__ import annotations

import collections
import contextlib
import contextvars
import logging
import os
import queue
import sys
import threading
import traceback
import uuid
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from importlib import metadata
from pathlib import Path

from celery.contrib.django.task import DjangoTask
from celery.exceptions import Retry
from celery.utils.time import get_exponential_backoff_interval
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import conf, execution_log
from .models import Execution, TaskIntent

LOG_TAIL_LINES = 200
SOFTWARE = ("l2portal", "django", "celery", "astropy", "numpy", "lxml", "djangorestframework")

_current: contextvars.ContextVar[Execution | None] = contextvars.ContextVar("execution", default=None)


class TransientError(Exception):
    """A failure worth retrying later (a remote store is down, a file is not there yet)."""


@cache
def software_versions() -> dict[str, str]:
    versions = {}
    for name in SOFTWARE:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def current_execution() -> Execution | None:
    return _current.get()


def _logged_by(execution: Execution):
    """Whether a record belongs to ``execution``'s log: logged while it is the current Execution,
    or by a thread of no Execution (a helper thread of the task, the process's own); not what
    another Execution running in another thread of this process logs."""

    def accept(record: logging.LogRecord) -> bool:
        return _current.get() in (execution, None)

    return accept


class _TailHandler(logging.Handler):
    def __init__(self, accept):
        super().__init__(level=logging.INFO)
        self.accept = accept
        self.lines: collections.deque[str] = collections.deque(maxlen=LOG_TAIL_LINES)
        self.setFormatter(logging.Formatter(execution_log.FORMAT))

    def emit(self, record):
        if self.accept(record):
            self.lines.append(self.format(record))


@contextlib.contextmanager
def recording(
    task_name: str,
    *,
    task_id: str = "",
    parameters: dict | None = None,
    subject=None,
    inputs=(),
    worker: str = "",
) -> Iterator[Execution]:
    """Run the enclosed block as an Execution: created before, finished (or failed) after; the
    intent it ran for (``task_id``) is done with it, unless the task retries under that id. On a
    worker (``worker`` names its node) the Execution heartbeats while it runs, so the reconciler
    can tell a long step from one whose worker died."""
    execution_uuid, started_at = uuid.uuid4(), timezone.now()
    log_file = execution_log.relative_path(task_name, execution_uuid, started_at)
    full_log = execution_log.open_handler(log_file)
    with _closing_on_error(full_log), _bookkeeping():
        execution = Execution.objects.create(
            uuid=execution_uuid,
            started_at=started_at,
            log_file=log_file if full_log is not None else "",
            task_name=task_name,
            task_id=task_id,
            parameters=parameters or {},
            software=software_versions(),
            host=conf.host_name(),
            pid=os.getpid(),
            worker=worker,
            heartbeat_at=timezone.now() if worker else None,
        )
        if subject is not None:
            attach_subject(execution, subject)
        if inputs:
            execution.inputs.add(*inputs)
    retrying = False
    tail = _TailHandler(_logged_by(execution))
    root = logging.getLogger()
    root.addHandler(tail)
    if full_log is not None:
        full_log.accept = tail.accept
        root.addHandler(full_log)
    token = _current.set(execution)
    heartbeat = _heartbeat_of_this_process() if worker else None
    if heartbeat is not None:
        heartbeat.watch(execution.pk)
    try:
        yield execution
    except BaseException as exc:
        execution.status = Execution.Status.FAILED
        execution.error = f"{type(exc).__name__}: {exc}"
        tail.lines.extend(traceback.format_exc().splitlines()[-20:])
        if full_log is not None:
            full_log.write(traceback.format_exc())
        retrying = isinstance(exc, Retry)
        if retrying:
            execution.status = Execution.Status.RETRIED
        raise
    else:
        if execution.status == Execution.Status.RUNNING:  # not marked failed by ledger.services.fail()
            execution.status = Execution.Status.SUCCEEDED
    finally:
        if heartbeat is not None:
            heartbeat.forget(execution.pk)
        _current.reset(token)
        root.removeHandler(tail)
        if full_log is not None:
            root.removeHandler(full_log)
            full_log.close()
        execution.finished_at = timezone.now()
        execution.log_tail = "\n".join(tail.lines)
        _close(execution, finished_intent=None if retrying else task_id)


def _close(execution: Execution, finished_intent: str | None) -> None:
    """Record how the Execution ended (and its intent done, unless it waits for a retry). A
    connection lost meanwhile (a database restart, a killed backend) is opened afresh once: the
    work is done, and recording it must not turn it into a loss and a second run."""
    for attempt in (1, 2):
        try:
            with _bookkeeping():
                execution.save(
                    update_fields=["status", "error", "finished_at", "log_tail", "subject_type", "subject_id"]
                )
                if finished_intent is not None:
                    intent_finished(finished_intent)
            return
        except (OperationalError, InterfaceError):
            if attempt == 2 or connection.in_atomic_block:
                raise
            connection.close()


@contextlib.contextmanager
def _closing_on_error(handler: logging.Handler | None) -> Iterator[None]:
    try:
        yield
    except BaseException:
        if handler is not None:
            handler.close()
        raise


@contextlib.contextmanager
def _bookkeeping() -> Iterator[None]:
    """One transaction for an Execution's own rows. Outside any other transaction (a task on a
    worker) it commits without waiting for the disk: a crash can lose only the last few such
    commits, never half of one nor one a later commit depends on (PostgreSQL writes its log in
    order), and the broker then delivers the task again."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


class _Heartbeat(threading.Thread):
    """One thread per worker process, with its own database connection (so a beat is committed at
    once, whatever transaction a task is in): it marks every Execution running in this process
    alive every few seconds, and records at once each product a task starts writing, so a recovery
    knows which partial files a killed task left. Started with the first task a process runs
    (after the fork), it costs a task no connection of its own."""

    def __init__(self):
        super().__init__(name="execution-heartbeat", daemon=True)
        self.pid = os.getpid()
        self.notes: queue.Queue = queue.Queue()
        self.running: dict[int, list[str]] = {}  # execution pk -> products it started writing
        self.lock = threading.Lock()
        self.start()

    def run(self):
        log = logging.getLogger(__name__)
        while True:
            try:
                note = self.notes.get(timeout=conf.heartbeat_seconds())
            except queue.Empty:
                note = None
            try:
                if note is not None:
                    execution_pk, relative, done = note
                    with self.lock:
                        writing = self.running.get(execution_pk)
                        if writing is not None:
                            writing.append(relative)
                    Execution.objects.filter(pk=execution_pk, status=Execution.Status.RUNNING).update(
                        heartbeat_at=timezone.now(), writing=list(writing or [])
                    )
                    done.set()
                with self.lock:
                    alive = list(self.running)
                if alive:
                    Execution.objects.filter(pk__in=alive, status=Execution.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                else:
                    connection.close()  # nothing to watch: hold no connection while idle
            except Exception as error:  # a missed beat must never break the tasks it watches
                log.warning("heartbeat not written: %s", error)
                connection.close()

    def watch(self, execution_pk: int) -> None:
        with self.lock:
            self.running[execution_pk] = []
        self.notes.put(None)  # a beat now, at the interval in force now (the settings may change)

    def forget(self, execution_pk: int) -> None:
        with self.lock:
            self.running.pop(execution_pk, None)

    def note_writing(self, execution_pk: int, relative: str, wait: bool = True) -> None:
        done = threading.Event()
        self.notes.put((execution_pk, relative, done))
        if wait:
            done.wait(timeout=10)


_process_heartbeat: _Heartbeat | None = None
_process_heartbeat_lock = threading.Lock()


def _heartbeat_of_this_process() -> _Heartbeat:
    global _process_heartbeat
    with _process_heartbeat_lock:
        if (
            _process_heartbeat is None
            or _process_heartbeat.pid != os.getpid()
            or not _process_heartbeat.is_alive()
        ):
            _process_heartbeat = _Heartbeat()
        return _process_heartbeat


def process_label() -> str:
    """This process as the ``worker`` of an Execution run outside Celery (a command, a request)
    that heartbeats, so a recovery can tell when it was killed and clean what it left."""
    return f"{Path(sys.argv[0]).name or 'python'}@{conf.host_name()}"


def partial_tag(execution: Execution | None) -> str:
    """How the temporary files of an Execution are named (see l2portal.files.atomic_output)."""
    return f"x{execution.pk}" if execution is not None else ""


def note_writing(relative: str) -> None:
    """The current task starts writing ``relative`` (recorded at once, committed on its own)."""
    execution = _current.get()
    if execution is not None and execution.worker:
        # SQLite has one writer: while this thread's transaction holds it, the heartbeat's commit
        # waits for ours, so waiting for it here would only stall the task.
        wait = not (connection.vendor == "sqlite" and connection.in_atomic_block)
        _heartbeat_of_this_process().note_writing(execution.pk, relative, wait=wait)


def _is_task_id(task_id: str | None) -> bool:
    """A task id an intent can hold (a service step or a task called directly has none)."""
    try:
        uuid.UUID(task_id or "")
    except ValueError:
        return False
    return True


def intent_finished(task_id: str) -> None:
    """An Execution of this intent finished (succeeded, or failed for good): it is done."""
    if not _is_task_id(task_id):
        return
    TaskIntent.objects.filter(
        task_id=task_id, status__in=(TaskIntent.Status.PENDING, TaskIntent.Status.SENT)
    ).update(status=TaskIntent.Status.DONE, done_at=timezone.now())


def schedule_retry(task_name: str, task_id: str, args, kwargs, when, retries: int) -> None:
    """The task ``task_id`` failed with a transient error and is tried again at ``when``: its
    intent goes back to pending until then (one row per task id, so a retry is scheduled once
    however often it is asked for). Work started without an intent (by beat) gets one."""
    TaskIntent.objects.update_or_create(
        task_id=task_id,
        defaults={
            "task_name": task_name,
            "args": list(args),
            "kwargs": dict(kwargs),
            "status": TaskIntent.Status.PENDING,
            "not_before": when,
            "next_attempt_at": when,
            "retries": retries,
        },
    )


def attach_subject(execution: Execution, subject) -> None:
    from django.contrib.contenttypes.models import ContentType

    execution.subject_type = ContentType.objects.get_for_model(subject)
    execution.subject_id = str(subject.pk)


# What a task retries with backoff: the failure is outside the step and may pass.
RETRYABLE = (TransientError, OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


class ExecutionTask(DjangoTask):
    """Base of every task: records an Execution per run and retries transient failures with
    exponential backoff. Tasks must be idempotent: delivery is at least once (acks_late).

    A retry waits in the outbox (its intent pending until it is due), not in the broker: the
    message of the failed try is acknowledged and nothing is published with an ETA."""

    autoretry_for = RETRYABLE
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5

    def __call__(self, *args, **kwargs):
        worker = "" if self.request.is_eager else (self.request.hostname or conf.host_name())
        try:
            with recording(
                self.name,
                task_id=self.request.id or "",
                parameters={"args": list(args), "kwargs": kwargs},
                worker=worker,
            ):
                return super().__call__(*args, **kwargs)
        except RETRYABLE as error:
            # The body's transient errors are retried inside (autoretry_for); what reaches here is
            # the Execution's own bookkeeping failing (a locked or lost database), or the last
            # attempt's error. The former is retried the same way: the task is idempotent.
            if self.request.is_eager or self.request.retries >= self.max_retries:
                raise
            countdown = get_exponential_backoff_interval(2, self.request.retries, self.retry_backoff_max)
            raise self.retry(exc=error, countdown=countdown) from error

    def retry(
        self,
        args=None,
        kwargs=None,
        exc=None,
        throw=True,
        eta=None,
        countdown=None,
        max_retries=None,
        **options,
    ):
        request = self.request
        if request.is_eager or not _is_task_id(request.id):  # run in place: Celery runs it again at once
            return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)
        max_retries = self.max_retries if max_retries is None else max_retries
        if max_retries is not None and request.retries >= max_retries:
            if exc is not None:
                raise exc
            raise self.MaxRetriesExceededError(
                f"{self.name}[{request.id}]: gave up after {request.retries} retries"
            )
        if eta is None:
            delay = self.default_retry_delay if countdown is None else countdown
            eta = timezone.now() + timedelta(seconds=delay)
        with _bookkeeping():
            schedule_retry(
                self.name,
                request.id,
                request.args if args is None else args,
                request.kwargs if kwargs is None else kwargs,
                eta,
                request.retries + 1,
            )
        raise Retry(exc=exc, when=eta)
