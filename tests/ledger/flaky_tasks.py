"""Tasks of the tests' own, for workers the tests start (``start_worker(include=(FLAKY,))``)."""

import time
from pathlib import Path

from celery import shared_task

from l2portal.ledger.execution import TransientError

FLAKY = __name__


@shared_task(
    bind=True, name=f"{FLAKY}.read_when_there", retry_backoff=False, default_retry_delay=2, max_retries=30
)
def read_when_there(self, path: str) -> str:
    """A store that is away for a while: a transient error until ``path`` exists."""
    if not Path(path).exists():
        raise TransientError(f"{path} is not there yet")
    return Path(path).read_text()


@shared_task(bind=True, name=f"{FLAKY}.work_until_told")
def work_until_told(self, path: str, limit: float = 900.0) -> str:
    """Long work: holds its message (delivered, not acknowledged) until ``path`` exists."""
    deadline = time.monotonic() + limit
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return Path(path).read_text()
