"""Observing-program tasks (default queue), thin and idempotent: each takes ids and hands them to
its service; the step tasks' services run through the ledger's step runner, so every failure
reaches Error."""

from celery import shared_task

from l2portal.ledger.services import Actor

from . import services, task_names


@shared_task(bind=True, name=task_names.SCAN_METADATA_STORE, ignore_result=True)
def scan_metadata_store(self) -> int | None:
    """Periodic scan (beat) of the whole metadata store; without METADATA_STORE_URL it only
    qualifies the programs whose settle period has ended."""
    return services.scheduled_scan(Actor.of_task(self))


@shared_task(bind=True, name=task_names.SCAN_PROPOSAL, ignore_result=True)
def scan_proposal(self, proposal_id: str) -> int | None:
    return services.scheduled_scan(Actor.of_task(self), proposal_id)


@shared_task(bind=True, name=task_names.QUALIFY_READY_PROGRAMS, ignore_result=True)
def qualify_ready_programs(self) -> int:
    """Qualify programs whose settle period ended since the last scan."""
    return services.qualify_ready_programs(Actor.of_task(self))


@shared_task(bind=True, name=task_names.PREPROCESS_PROGRAM)
def preprocess_program(self, program_id: int) -> str:
    return services.run_preprocess(program_id, Actor.of_task(self)).state


@shared_task(bind=True, name=task_names.FETCH_INVERSION_RESULTS)
def fetch_inversion_results(self, program_id: int) -> str:
    return services.run_globus_upload(program_id, Actor.of_task(self)).state


@shared_task(bind=True, name=task_names.PUBLISH_PROGRAM)
def publish_program(self, program_id: int) -> str:
    return services.run_publish(program_id, Actor.of_task(self)).state
