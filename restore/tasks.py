"""Restore steps as Celery tasks on the ``restore`` queue (routed by name in settings). Thin: each
loads nothing itself and hands the request id to its service step; every step is idempotent."""

from celery import shared_task

from l2portal.ledger.services import Actor

from . import conf, services


def _last_attempt(task) -> bool:
    return task.request.retries >= task.max_retries


@shared_task(bind=True)
def check(self, request_id: int) -> None:
    services.run_step(services.check, request_id, Actor.of_task(self), _last_attempt(self))


@shared_task(bind=True)
def stage(self, request_id: int) -> None:
    services.run_step(services.stage, request_id, Actor.of_task(self), _last_attempt(self))


@shared_task(bind=True)
def prepare(self, request_id: int) -> None:
    services.run_step(services.prepare, request_id, Actor.of_task(self), _last_attempt(self))


# The task watches the pipeline for up to RESTORE_TIME_LIMIT and stops it itself; Celery's own
# limit (read when the worker starts) only backs that up.
@shared_task(bind=True, time_limit=conf.time_limit() + 600, soft_time_limit=conf.time_limit() + 300)
def run(self, request_id: int) -> None:
    services.run_step(services.run, request_id, Actor.of_task(self), _last_attempt(self))
