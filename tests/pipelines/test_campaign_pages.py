import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.roles import OPERATOR, SCIENTIST
from pipelines import services
from pipelines.models import CampaignRun, DataRun, ReprocessingCampaign
from tests.factories import SYSTEM, user

from .conftest import RUNS, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


def campaign_with_states(name, states):
    """A campaign whose runs sit in the given states, started an hour ago."""
    runs = [DataRun.objects.get_or_create(run_id=1000 + n)[0] for n in range(len(states))]
    campaign = services.create_campaign(name, SYSTEM, run_ids=[r.run_id for r in runs])
    ledger.transition(campaign, "running", SYSTEM)
    start = timezone.now() - datetime.timedelta(hours=1)
    ReprocessingCampaign.objects.filter(pk=campaign.pk).update(started_at=start, current_pass=1)
    path = {"generating": ["generating"], "ready": ["generating", "flagging", "validating", "ready"]}
    for run, state in zip(campaign.campaign_runs.order_by("data_run__run_id"), states, strict=True):
        for step in path.get(state, []):
            ledger.transition(run, step, SYSTEM)
        if state == "error":
            ledger.fail(run, SYSTEM, "magic7 unusable")
        CampaignRun.objects.filter(pk=run.pk).update(started_at=start, finished_at=timezone.now())
    campaign.refresh_from_db()
    return campaign


def test_progress_counts_done_failed_remaining_and_estimates_the_finish():
    campaign = campaign_with_states("P310", ["ready", "ready", "error", "generating", "pending", "pending"])
    progress = services.campaign_progress(campaign)
    assert (progress.total, progress.done, progress.failed, progress.remaining) == (6, 2, 1, 3)
    assert progress.working == 1 and progress.percent == 33
    assert progress.rate_per_hour == pytest.approx(2.0, rel=0.01)  # 2 runs in the hour since the start
    expected_finish = timezone.now() + datetime.timedelta(hours=1.5)
    assert abs((progress.eta - expected_finish).total_seconds()) < 60


def test_progress_of_a_campaign_not_started_has_no_rate():
    progress = services.campaign_progress(campaign_with_states("P310", ["pending"]))
    assert (progress.done, progress.remaining, progress.rate_per_hour, progress.eta) == (0, 1, None, None)


def test_campaign_page_shows_progress_runs_and_pictures(
    client, magic7_runs, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    run_campaign(campaign, django_capture_on_commit_callbacks)
    client.force_login(user("sci", SCIENTIST))
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert "Validated" in page and f"gll_pt1s_p310_r0{RUNS[0]}_v001.fit" in page
    assert 'class="strip"' in page and 'class="velocity"' in page and "PASS" in page
    assert "hx-trigger" not in page  # finished: no more polling
    assert "Retry" not in page and "Re-run" not in page
    listing = client.get("/pipelines/").content.decode()
    assert "P310" in listing and "Define a campaign" not in listing
    assert client.post(f"/pipelines/campaigns/{campaign.pk}/start/").status_code == 403


def test_running_campaign_polls_and_operators_get_retry_buttons(client):
    campaign = campaign_with_states("P310", ["ready", "error", "pending"])
    client.force_login(user("op", OPERATOR))
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and f"/pipelines/campaigns/{campaign.pk}/live/" in page
    assert page.count(">Retry</button>") == 1
    live = client.get(f"/pipelines/campaigns/{campaign.pk}/live/").content.decode()
    assert live.startswith('<div id="campaign-live"') and "Estimated finish" in live


def test_operator_retries_a_failed_run_from_the_page(client, magic7_runs, django_capture_on_commit_callbacks):
    campaign = make_campaign(runs=RUNS[:1])
    with django_capture_on_commit_callbacks(execute=True):
        ledger.fail(campaign.campaign_runs.get(), SYSTEM, "disk full")
    client.force_login(user("op", OPERATOR))
    run = campaign.campaign_runs.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/pipelines/runs/{run.pk}/retry/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == "ready"


def test_campaign_page_query_count_does_not_grow_with_runs(client):
    client.force_login(user("op", OPERATOR))
    small = campaign_with_states("P310", ["ready", "error"])
    large = campaign_with_states("P311", ["ready", "error", "ready", "pending", "generating", "ready"])
    client.get(f"/pipelines/campaigns/{small.pk}/")
    counts = []
    for campaign in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/pipelines/campaigns/{campaign.pk}/").status_code == 200
        counts.append(len(queries))
    with CaptureQueriesContext(connection) as listing:
        client.get("/pipelines/")
    campaign_with_states("P312", ["ready"])
    with CaptureQueriesContext(connection) as longer_listing:
        client.get("/pipelines/")
    assert counts[0] == counts[1] and len(listing) == len(longer_listing)


def test_operators_define_campaigns_and_propose_switchovers_on_the_pages(client, magic7_runs):
    client.force_login(user("op", OPERATOR))
    bad = client.post("/pipelines/", {"name": "P310", "run_list": "1"})
    assert "unknown data runs: 1" in bad.content.decode()
    response = client.post("/pipelines/", {"name": "P310", "first_run": RUNS[0], "last_run": RUNS[-1]})
    campaign = ReprocessingCampaign.objects.get(name="P310")
    assert response.status_code == 302 and campaign.campaign_runs.count() == 3
    client.post("/pipelines/switchovers/", {"campaign": "P310", "proposed_date": "2026-12-01"})
    switchover = campaign.switchovers.get()
    client.post(f"/pipelines/switchovers/{switchover.pk}/agree/")
    switchover.refresh_from_db()
    assert switchover.state == "operator_agreed"
    page = client.get("/pipelines/switchovers/").content.decode()
    assert "proposed → operator_agreed" in page and "Agreed by operator" in page
    assert client.post(f"/pipelines/switchovers/{switchover.pk}/explode/").status_code == 404
