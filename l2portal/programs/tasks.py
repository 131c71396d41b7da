"""Observing-program tasks: thin, idempotent wrappers over services (default queue)."""

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


@shared_task
def preprocess_program(program_id: int) -> str:
    return services.run_preprocess(program_id, Actor.of_task(preprocess_program)).state


@shared_task
def publish_program(program_id: int) -> str:
    return services.run_publish(program_id, Actor.of_task(publish_program)).state
