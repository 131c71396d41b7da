"""Pipelines tasks: thin wrappers over pipelines.services, idempotent. FT2 work and chunk decoding
on "fits", event merging on "merge" (apps.py)."""

from celery import shared_task

from l2portal.ledger.services import Actor

from . import services


@shared_task(bind=True)
def process_campaign_run(self, campaign_run_id: int) -> str:
    """Make, flag and validate one run's FT2 files; returns the run's state."""
    return services.process_campaign_run(campaign_run_id, Actor.of_task(self))


@shared_task(bind=True)
def finish_campaign_pass(self, campaign_id: int) -> None:
    """Fan-in continuation: every run of the pass has finished (ready or failed)."""
    services.finish_campaign_pass(campaign_id, Actor.of_task(self))


@shared_task(bind=True)
def decode_chunk(self, chunk_id: int) -> str:
    return services.decode_chunk(chunk_id, Actor.of_task(self))


@shared_task(bind=True)
def advance_downlink(self, downlink_pk: int) -> str:
    """What is due for a downlink: its merge plan, or its end (fan-in continuation, retries)."""
    return services.advance_downlink(downlink_pk, Actor.of_task(self))


@shared_task(bind=True)
def merge_run(self, run_id: int) -> str:
    return services.merge_run(run_id, Actor.of_task(self))


@shared_task(bind=True)
def level1_run(self, run_id: int) -> str:
    return services.level1_run(run_id, Actor.of_task(self))


@shared_task(bind=True)
def notify_online(self, run_id: int, version: int) -> str:
    return services.notify_online(run_id, version, Actor.of_task(self))


@shared_task(bind=True, ignore_result=True)
def purge_staging(self) -> int:
    return len(services.purge_staging(Actor.of_task(self)))
