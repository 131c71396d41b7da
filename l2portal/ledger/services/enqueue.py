"""Starting tasks: the one way work goes to the workers."""

from __future__ import annotations

from django.db import transaction


def tasks_run_in_place() -> bool:
    """True without a broker (tests, the embedded mode): a task runs inside the caller."""
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def enqueue(task, *args, countdown: float | None = None, **kwargs) -> None:
    """Start ``task`` (a task or its name) once the current transaction commits, so the worker
    sees the rows it needs and a rolled-back request starts nothing; ``countdown`` delays it by
    that many seconds."""
    from celery import current_app

    if isinstance(task, str):
        task = current_app.tasks[task]
    options = {} if countdown is None else {"countdown": countdown}
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs, **options))
