"""Pipelines tasks: thin wrappers over the services, each registered under its name in
pipelines.task_names; idempotent. FT2 work and chunk decoding on "fits", event merging on "merge"
(apps.py)."""

from celery import shared_task

from l2portal.ledger.services import Actor

from . import services, task_names


@shared_task(bind=True, name=task_names.PROCESS_CAMPAIGN_RUN)
def process_campaign_run(self, campaign_run_id: int) -> str:
    """Make, flag and validate one run's FT2 files; returns the run's state."""
    return services.process_campaign_run(campaign_run_id, Actor.of_task(self))


@shared_task(bind=True, name=task_names.FINISH_CAMPAIGN_PASS)
def finish_campaign_pass(self, campaign_id: int) -> None:
    """Fan-in continuation: every run of the pass has finished (ready or failed)."""
    return services.finish_campaign_pass(campaign_id, Actor.of_task(self))


@shared_task(bind=True, name=task_names.DECODE_CHUNK)
def decode_chunk(self, chunk_id: int) -> str:
    return services.decode_chunk(chunk_id, Actor.of_task(self))


@shared_task(bind=True, name=task_names.ADVANCE_DOWNLINK)
def advance_downlink(self, downlink_pk: int) -> str:
    """What is due for a downlink: its merge plan, or its end (fan-in continuation, retries)."""
    return services.advance_downlink(downlink_pk, Actor.of_task(self))


@shared_task(bind=True, name=task_names.MERGE_RUN)
def merge_run(self, run_id: int) -> str:
    return services.merge_run(run_id, Actor.of_task(self))


@shared_task(bind=True, name=task_names.LEVEL1_RUN)
def level1_run(self, run_id: int) -> str:
    return services.level1_run(run_id, Actor.of_task(self))


@shared_task(bind=True, name=task_names.NOTIFY_ONLINE)
def notify_online(self, run_id: int, version: int) -> str:
    return services.notify_online(run_id, version, Actor.of_task(self))


@shared_task(bind=True, name=task_names.PURGE_STAGING, ignore_result=True)
def purge_staging(self) -> list[str]:
    """The staging files purged (their runs are through Level 1)."""
    return services.purge_staging(Actor.of_task(self))


@shared_task(bind=True, name=task_names.SCAN_INCOMING, ignore_result=True)
def scan_incoming(self) -> dict[str, int]:
    """Register the downlink folders that arrived whole (beat, every PIPELINES_INCOMING_SCAN_SECONDS)."""
    return services.scan_incoming(Actor.of_task(self))
