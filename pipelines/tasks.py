"""Pipelines tasks (fits queue): thin wrappers over pipelines.services, idempotent."""

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
