"""Provenance recorded at execution (seeds/001): every task run, and every service step that
writes products outside a task, is an Execution row with its parameters, inputs, outputs,
software versions, host, timing, status, error and the tail of its log."""

from __future__ import annotations

import collections
import contextlib
import contextvars
import logging
import os
import socket
import traceback
from collections.abc import Iterator
from functools import cache
from importlib import metadata

from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .models import Execution

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
    task_name: str, *, task_id: str = "", parameters: dict | None = None, subject=None, inputs=()
) -> Iterator[Execution]:
    """Run the enclosed block as an Execution: created before, finished (or failed) after."""
    execution = Execution.objects.create(
        task_name=task_name,
        task_id=task_id,
        parameters=parameters or {},
        software=software_versions(),
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    if subject is not None:
        attach_subject(execution, subject)
    if inputs:
        execution.inputs.add(*inputs)
    tail = _TailHandler()
    root = logging.getLogger()
    root.addHandler(tail)
    token = _current.set(execution)
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
        _current.reset(token)
        root.removeHandler(tail)
        execution.finished_at = timezone.now()
        execution.log_tail = "\n".join(tail.lines)
        execution.save(
            update_fields=["status", "error", "finished_at", "log_tail", "subject_type", "subject_id"]
        )


def attach_subject(execution: Execution, subject) -> None:
    from django.contrib.contenttypes.models import ContentType

    execution.subject_type = ContentType.objects.get_for_model(subject)
    execution.subject_id = str(subject.pk)


class ExecutionTask(DjangoTask):
    """Base of every task: records an Execution per run and retries transient failures with
    exponential backoff. Tasks must be idempotent: delivery is at least once (acks_late)."""

    autoretry_for = (
        TransientError,
        OperationalError,
        InterfaceError,
        BrokerError,
        ConnectionError,
        TimeoutError,
    )
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5

    def __call__(self, *args, **kwargs):
        with recording(
            self.name, task_id=self.request.id or "", parameters={"args": list(args), "kwargs": kwargs}
        ):
            return super().__call__(*args, **kwargs)
