"""Restore steps as Celery tasks on the ``restore`` queue (RestoreConfig.queues), named in
task_names. Thin: each hands the request id to its service step, run through the ledger's step
runner; every step is idempotent."""

from celery import shared_task

from l2portal.ledger.services import Actor

from . import conf, services, task_names


@shared_task(bind=True, name=task_names.CHECK)
def check(self, request_id: int) -> None:
    services.run_restore_step(request_id, services.check, Actor.of_task(self))


@shared_task(bind=True, name=task_names.STAGE)
def stage(self, request_id: int) -> None:
    services.run_restore_step(request_id, services.stage, Actor.of_task(self))


@shared_task(bind=True, name=task_names.PREPARE)
def prepare(self, request_id: int) -> None:
    services.run_restore_step(request_id, services.prepare, Actor.of_task(self))


# The task watches the pipeline for up to RESTORE_TIME_LIMIT and stops it itself; Celery's own
# limit (read when the worker starts) only backs that up.
@shared_task(
    bind=True,
    name=task_names.RUN,
    time_limit=conf.time_limit() + 600,
    soft_time_limit=conf.time_limit() + 300,
)
def run(self, request_id: int) -> None:
    services.run_restore_step(request_id, services.run, Actor.of_task(self))


@shared_task(bind=True, name=task_names.SEND_WATCHERS, ignore_result=True)
def send_watchers(self) -> list[int]:
    """Every minute: running restores whose watching task died get a new one."""
    return services.send_watchers(Actor.of_task(self))
