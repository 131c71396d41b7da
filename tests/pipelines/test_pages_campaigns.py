"""The campaign pages: list with progress, define a campaign, one campaign's live progress, start
and retry buttons for operators."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger import services as ledger
from l2portal.ledger.models import LedgerEvent
from pipelines.models import ReprocessingCampaign
from tests.factories import SYSTEM

from .conftest import RUNS, campaign_with_states, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


def test_campaign_page_shows_progress_runs_and_pictures(
    client, scientist, magic7_runs, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    run_campaign(campaign, django_capture_on_commit_callbacks)
    client.force_login(scientist)
    url = f"/pipelines/campaigns/{campaign.pk}/"
    page = client.get(url).content.decode()
    assert "Validated" in page and f"gll_pt1s_p310_r0{RUNS[0]}_v001.fit" in page
    assert 'class="strip"' in page and 'class="velocity"' in page and "PASS" in page
    assert "hx-trigger" not in page  # finished: no more polling
    assert "Retry" not in page and "Re-run" not in page
    listing = client.get("/pipelines/").content.decode()
    assert "P310" in listing and "Define a campaign" not in listing
    # The service refuses a scientist; the page they came from says why, and nothing changed.
    refused = client.post(f"{url}start/", {"next": url})
    assert refused.status_code == 302 and refused.url == url
    assert "only operators may start campaign P310; ask an operator" in client.get(url).content.decode()
    campaign.refresh_from_db()
    assert (campaign.state, campaign.current_pass) == ("validated", 1)
    assert LedgerEvent.objects.filter(kind="not_permitted", subject_id=str(campaign.pk)).count() == 1


def test_running_campaign_polls_and_operators_get_retry_buttons(client, operator):
    campaign = campaign_with_states("P310", ["ready", "error", "pending"])
    client.force_login(operator)
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and f"/pipelines/campaigns/{campaign.pk}/live/" in page
    assert page.count(">Retry</button>") == 1
    live = client.get(f"/pipelines/campaigns/{campaign.pk}/live/").content.decode()
    assert live.startswith('<div id="campaign-live"') and "Estimated finish" in live


def test_operator_retries_a_failed_run_from_the_page(
    client, operator, magic7_runs, django_capture_on_commit_callbacks
):
    campaign = make_campaign(runs=RUNS[:1])
    with django_capture_on_commit_callbacks(execute=True):
        ledger.fail(campaign.campaign_runs.get(), SYSTEM, "disk full")
    client.force_login(operator)
    run = campaign.campaign_runs.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/pipelines/runs/{run.pk}/retry/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == "ready"


def test_a_refused_start_is_shown_on_the_campaign_page(client, operator):
    campaign = campaign_with_states("P310", ["pending"])
    client.force_login(operator)
    url = f"/pipelines/campaigns/{campaign.pk}/"
    page = client.post(f"{url}start/", {"next": url}, follow=True)
    assert page.redirect_chain == [(url, 302)]
    assert "cannot move from &#x27;running&#x27; to &#x27;running&#x27;" in page.content.decode()
    campaign.refresh_from_db()
    assert (campaign.state, campaign.current_pass) == ("running", 1)


def test_campaign_page_query_count_does_not_grow_with_runs(client, operator):
    client.force_login(operator)
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


def test_operators_define_campaigns_on_the_page(client, operator, magic7_runs):
    client.force_login(operator)
    bad = client.post("/pipelines/", {"name": "P310", "run_list": "1", "next": "/pipelines/"}, follow=True)
    assert "unknown data runs: 1" in bad.content.decode()
    assert bad.redirect_chain == [("/pipelines/", 302)] and not ReprocessingCampaign.objects.exists()
    response = client.post("/pipelines/", {"name": "P310", "first_run": RUNS[0], "last_run": RUNS[-1]})
    campaign = ReprocessingCampaign.objects.get(name="P310")
    assert response.status_code == 302 and campaign.campaign_runs.count() == 3
