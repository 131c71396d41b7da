"""Campaign progress (pipelines.ft2.selectors): done, failed, remaining, rate and estimated finish."""

import datetime

import pytest
from django.utils import timezone

from pipelines.ft2 import selectors

from .conftest import campaign_with_states

pytestmark = pytest.mark.django_db


def test_progress_counts_done_failed_remaining_and_estimates_the_finish():
    campaign = campaign_with_states("P310", ["ready", "ready", "error", "generating", "pending", "pending"])
    progress = selectors.campaign_progress(campaign)
    assert (progress.total, progress.done, progress.failed, progress.remaining) == (6, 2, 1, 3)
    assert progress.working == 1 and progress.percent == 33
    assert progress.rate_per_hour == pytest.approx(2.0, rel=0.01)  # 2 runs in the hour since the start
    expected_finish = timezone.now() + datetime.timedelta(hours=1.5)
    assert abs((progress.eta - expected_finish).total_seconds()) < 60


def test_progress_of_a_campaign_not_started_has_no_rate():
    progress = selectors.campaign_progress(campaign_with_states("P310", ["pending"]))
    assert (progress.done, progress.remaining, progress.rate_per_hour, progress.eta) == (0, 1, None, None)
