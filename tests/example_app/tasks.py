from celery import shared_task


@shared_task
def crunch_tick() -> None:
    """Does nothing: it exists to be routed and scheduled."""
