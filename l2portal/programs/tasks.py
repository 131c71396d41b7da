"""Observing-program tasks: thin, idempotent wrappers over services (default queue). The step
tasks run their service through the ledger's step runner: every failure reaches Error."""

from celery import shared_task

from l2portal.ledger.services import Actor

from . import services


@shared_task(ignore_result=True)
def scan_metadata_store() -> int | None:
    """Periodic scan (beat) of the whole metadata store; without METADATA_STORE_URL it only
    qualifies the programs whose settle period has ended."""
    return services.scheduled_scan(Actor.of_task(scan_metadata_store))


@shared_task(ignore_result=True)
def scan_proposal(proposal_id: str) -> int | None:
    return services.scheduled_scan(Actor.of_task(scan_proposal), proposal_id)


@shared_task(ignore_result=True)
def qualify_ready_programs() -> int:
    """Qualify programs whose settle period ended since the last scan."""
    return services.qualify_ready_programs(Actor.of_task(qualify_ready_programs))


@shared_task(bind=True)
def preprocess_program(self, program_id: int) -> str:
    return services.run_preprocess(program_id, Actor.of_task(self)).state


@shared_task(bind=True)
def fetch_inversion_results(self, program_id: int) -> str:
    return services.run_globus_upload(program_id, Actor.of_task(self)).state


@shared_task(bind=True)
def publish_program(self, program_id: int) -> str:
    return services.run_publish(program_id, Actor.of_task(self)).state
