"""Provenance recorded at execution (seeds/001): every task run, and every service step that
writes products outside a task, is an Execution row with its parameters, inputs, outputs,
software versions, host, timing, status, error and the tail of its log."""

from __future__ import annotations

import collections
import contextlib
import contextvars
import logging
import os
import queue
import socket
import threading
import traceback
import uuid
from collections.abc import Iterator
from functools import cache
from importlib import metadata

from celery.contrib.django.task import DjangoTask
from celery.exceptions import Retry
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import conf
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


class _TailHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.lines: collections.deque[str] = collections.deque(maxlen=LOG_TAIL_LINES)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record):
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
    """Run the enclosed block as an Execution: created before, finished (or failed) after. On a
    worker (``worker`` names its node) the Execution heartbeats while it runs, so the reconciler
    can tell a long step from one whose worker died."""
    execution = Execution.objects.create(
        task_name=task_name,
        task_id=task_id,
        parameters=parameters or {},
        software=software_versions(),
        host=socket.gethostname(),
        pid=os.getpid(),
        worker=worker,
        heartbeat_at=timezone.now() if worker else None,
    )
    if subject is not None:
        attach_subject(execution, subject)
    if inputs:
        execution.inputs.add(*inputs)
    tail = _TailHandler()
    root = logging.getLogger()
    root.addHandler(tail)
    token = _current.set(execution)
    heartbeat = _Heartbeat(execution.pk) if worker else None
    heartbeat_token = _heartbeat.set(heartbeat)
    try:
        yield execution
    except BaseException as exc:
        execution.status = Execution.Status.FAILED
        execution.error = f"{type(exc).__name__}: {exc}"
        tail.lines.extend(traceback.format_exc().splitlines()[-20:])
        raise
    else:
        if execution.status == Execution.Status.RUNNING:  # not marked failed by ledger.services.fail()
            execution.status = Execution.Status.SUCCEEDED
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        _heartbeat.reset(heartbeat_token)
        _current.reset(token)
        root.removeHandler(tail)
        execution.finished_at = timezone.now()
        execution.log_tail = "\n".join(tail.lines)
        execution.save(
            update_fields=["status", "error", "finished_at", "log_tail", "subject_type", "subject_id"]
        )


class _Heartbeat(threading.Thread):
    """Marks a running Execution alive every few seconds, from a thread with its own database
    connection (so a beat is committed at once, whatever transaction the task is in), and records
    at once each product the task starts writing, so a recovery knows which partial files a killed
    task left."""

    def __init__(self, execution_pk: int):
        super().__init__(name=f"heartbeat-{execution_pk}", daemon=True)
        self.execution_pk = execution_pk
        self.notes: queue.Queue = queue.Queue()
        self.writing: list[str] = []
        self.stopped = False
        self.start()

    def run(self):
        log = logging.getLogger(__name__)
        try:
            while not self.stopped:
                try:
                    note = self.notes.get(timeout=conf.heartbeat_seconds())
                except queue.Empty:
                    note = None
                if note is not None and note[0]:
                    self.writing.append(note[0])
                try:
                    fields = {"heartbeat_at": timezone.now()}
                    if note is not None and note[0]:
                        fields["writing"] = self.writing
                    Execution.objects.filter(pk=self.execution_pk, status=Execution.Status.RUNNING).update(
                        **fields
                    )
                except Exception as error:  # a missed beat must never break the task it watches
                    log.warning("heartbeat of execution %s not written: %s", self.execution_pk, error)
                if note is not None:
                    note[1].set()
        finally:
            connection.close()  # this thread's own connection

    def note_writing(self, relative: str) -> None:
        done = threading.Event()
        self.notes.put((relative, done))
        done.wait(timeout=10)

    def stop(self):
        self.stopped = True
        done = threading.Event()
        self.notes.put(("", done))
        self.join(timeout=10)


_heartbeat: contextvars.ContextVar[_Heartbeat | None] = contextvars.ContextVar("heartbeat", default=None)


def partial_tag(execution: Execution | None) -> str:
    """How the temporary files of an Execution are named (see l2portal.files.atomic_output)."""
    return f"x{execution.pk}" if execution is not None else ""


def note_writing(relative: str) -> None:
    """The current task starts writing ``relative`` (recorded at once, committed on its own)."""
    heartbeat = _heartbeat.get()
    if heartbeat is not None:
        heartbeat.note_writing(relative)


def intent_finished(task_id: str) -> None:
    """An Execution of this intent finished (succeeded, or failed for good): it is done."""
    try:
        uuid.UUID(task_id)
    except ValueError:
        return  # run without an id (called directly): no intent to close
    TaskIntent.objects.filter(
        task_id=task_id, status__in=(TaskIntent.Status.PENDING, TaskIntent.Status.SENT)
    ).update(status=TaskIntent.Status.DONE, done_at=timezone.now())


def attach_subject(execution: Execution, subject) -> None:
    from django.contrib.contenttypes.models import ContentType

    execution.subject_type = ContentType.objects.get_for_model(subject)
    execution.subject_id = str(subject.pk)


# What a task retries with backoff: the failure is outside the step and may pass.
RETRYABLE = (TransientError, OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


class ExecutionTask(DjangoTask):
    """Base of every task: records an Execution per run and retries transient failures with
    exponential backoff. Tasks must be idempotent: delivery is at least once (acks_late)."""

    autoretry_for = RETRYABLE
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5

    def __call__(self, *args, **kwargs):
        task_id = self.request.id or ""
        worker = "" if self.request.is_eager else (self.request.hostname or socket.gethostname())
        try:
            with recording(
                self.name, task_id=task_id, parameters={"args": list(args), "kwargs": kwargs}, worker=worker
            ):
                result = super().__call__(*args, **kwargs)
        except Retry:
            raise  # sent again under the same id: its intent waits for that run
        except BaseException:
            intent_finished(task_id)
            raise
        intent_finished(task_id)
        return result
