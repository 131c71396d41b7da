"""Backfill: the runs registered up to a later run join a started campaign as a pass of their own,
in the same RUN collection under the same names; the runs it finished are not touched."""

import pytest

from l2portal.ledger.refusals import Refused
from l2portal.registry.models import Product
from pipelines import services
from pipelines.models import CampaignRun
from tests.factories import SYSTEM

from .conftest import RUNS, run_campaign

pytestmark = pytest.mark.django_db


def finished(campaign):
    runs = CampaignRun.objects.filter(campaign=campaign).order_by("pk")
    return [
        (r.pk, r.state, r.state_changed_at, r.ft2_1s_id, r.ft2_30s_id, r.transitions.count()) for r in runs
    ]


def test_backfill_adds_runs_without_touching_finished_ones(
    magic7_runs, client, operator, django_capture_on_commit_callbacks
):
    campaign = services.create_campaign("P310", SYSTEM, first_run=RUNS[0], last_run=RUNS[1])
    assert campaign.campaign_runs.count() == 2  # the registered runs of the range
    run_campaign(campaign, django_capture_on_commit_callbacks)
    assert campaign.state == "validated"
    before, products = finished(campaign), set(Product.objects.values_list("pk", "sha256"))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.backfill_campaign(campaign, RUNS[2], SYSTEM)
    assert (result["added"], result["queued"], result["pass"]) == (1, 1, 2)
    campaign.refresh_from_db()
    assert campaign.state == "validated" and (campaign.last_run, campaign.backfills) == (RUNS[2], 1)
    assert finished(campaign)[:2] == before
    assert products <= set(Product.objects.values_list("pk", "sha256"))
    added = campaign.campaign_runs.get(data_run__run_id=RUNS[2])
    assert (added.state, added.joined_pass) == ("ready", 2)
    assert added.ft2_1s.path == f"P310/gll_pt1s_p310_r0{RUNS[2]}_v001.fit"
    moves = list(campaign.transitions.values_list("to_state", flat=True))
    assert moves == ["running", "validating", "validated", "running", "validating", "validated"]
    client.force_login(operator)
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert f"to r0{RUNS[2]}" in page and "<small>pass 2</small>" in page


def test_backfill_is_refused_before_the_start_and_backwards(magic7_runs, django_capture_on_commit_callbacks):
    campaign = services.create_campaign("P310", SYSTEM, first_run=RUNS[0], last_run=RUNS[1])
    with pytest.raises(Refused, match="a backfill joins a started campaign"):
        services.backfill_campaign(campaign, RUNS[2], SYSTEM)
    run_campaign(campaign, django_capture_on_commit_callbacks)
    with pytest.raises(services.CampaignError, match=f"already reaches run {RUNS[1]}; give a later run"):
        services.backfill_campaign(campaign, RUNS[0], SYSTEM)
    campaign.refresh_from_db()
    assert (campaign.backfills, campaign.last_run, campaign.state) == (0, RUNS[1], "validated")


def test_a_backfill_while_the_first_pass_runs_waits_for_both(magic7_runs, django_capture_on_commit_callbacks):
    campaign = services.create_campaign("P310", SYSTEM, first_run=RUNS[0], last_run=RUNS[1])
    services.start_campaign(campaign, SYSTEM)  # its tasks are not run: the pass is still going
    with django_capture_on_commit_callbacks(execute=True):
        services.backfill_campaign(campaign, RUNS[2], SYSTEM)
    campaign.refresh_from_db()
    assert campaign.state == "running"  # the backfill's run is done, the first pass's two are not
    with django_capture_on_commit_callbacks(execute=True):
        for run in campaign.campaign_runs.filter(state="pending"):
            services.process_campaign_run(run.pk, SYSTEM)
    campaign.refresh_from_db()
    assert campaign.state == "validated"
