"""Observing-program tasks: thin, idempotent wrappers over services (default queue)."""

import logging

from celery import shared_task

from l2portal.ledger.services import Actor

from . import conf, services

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def scan_metadata_store() -> int | None:
    """Periodic scan (beat) of the whole metadata store. Without METADATA_STORE_URL it only
    qualifies the programs (e.g. imported from files) whose settle period has ended."""
    if not conf.metadata_store_url():
        log.info("METADATA_STORE_URL is not set: no scan, qualifying settled programs only")
        services.qualify_ready_programs(Actor.of_task(scan_metadata_store))
        return None
    return _scan(scan_metadata_store)


@shared_task(ignore_result=True)
def scan_proposal(proposal_id: str) -> int | None:
    return _scan(scan_proposal, proposal_id=proposal_id)


def _scan(task, **filters) -> int:
    try:
        return services.scan_store(Actor.of_task(task), **filters).pk
    except services.ScanFailed as failed:
        log.warning("scan %s failed: %s", failed.scan.pk, failed)
        return failed.scan.pk


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
