"""Builders for the campaign tests: data runs with short synthetic magic7 inputs."""

import pytest

from pipelines import services
from tests.factories import SYSTEM

RUNS = (545208791, 545294791, 545380791)
SPAN = 120.0  # seconds of magic7 per run: enough for four 30-s bins, fast to process


@pytest.fixture
def magic7_runs(db):
    """Three data runs, each with a registered magic7 file covering SPAN seconds."""
    services.generate_demo_magic7(RUNS, SPAN, SYSTEM)
    return RUNS


def make_campaign(name="P310", runs=RUNS, **options):
    return services.create_campaign(name, SYSTEM, run_ids=list(runs), **options)


def run_campaign(campaign, capture):
    """Start a campaign and run its tasks eagerly, as the on-commit callbacks fire."""
    with capture(execute=True):
        result = services.start_campaign(campaign, SYSTEM)
    campaign.refresh_from_db()
    return result
