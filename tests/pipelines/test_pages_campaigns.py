"""The campaign pages: list with progress, define a campaign, one campaign's live progress, start
and retry buttons for operators."""

import datetime
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.models import Execution, LedgerEvent
from pipelines import services
from pipelines.models import CampaignRun, DataRun, ReprocessingCampaign
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
    for product in campaign.campaign_runs.get(data_run__run_id=RUNS[0]).products[2:]:  # the flagged pair
        assert f'href="/registry/products/{product.pk}/download" download' in page
        assert f'href="/registry/products/{product.pk}/"' in page
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


def test_the_run_grid_shows_each_step_with_its_state_and_links_to_the_log(client, operator):
    campaign = campaign_with_states("P310", ["ready", "error", "generating", "pending"])
    client.force_login(operator)
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    ready, failed, working, _ = campaign.campaign_runs.order_by("data_run__run_id")
    assert f"{ready.data_run} FT2 files: done" in page and f"{ready.data_run} FSSC ingest: waiting" in page
    assert f"{failed.data_run} FT2 files: failed" in page and f"{failed.data_run} BTIs: not reached" in page
    assert f"{working.data_run} FT2 files: running" in page
    assert page.count('class="step-cell step-') == 16
    # No Execution recorded here: each cell opens the run's page (the FSSC step its files).
    assert (
        f'href="/pipelines/runs/{failed.pk}/"' in page and f'href="/pipelines/runs/{ready.pk}/#files"' in page
    )
    filtered = client.get(f"/pipelines/campaigns/{campaign.pk}/", {"state": "error"}).content.decode()
    assert filtered.count('class="run state-') == 1 and "Error (1)" in filtered
    live = client.get(f"/pipelines/campaigns/{campaign.pk}/live/", {"state": "error"}).content.decode()
    assert "?state=error&amp;page=1" in live and live.count('class="run state-') == 1


def test_start_and_rerun_ask_first_and_rerun_is_not_offered_while_running(client, operator):
    running = campaign_with_states("P310", ["ready", "generating"])
    client.force_login(operator)
    page = client.get(f"/pipelines/campaigns/{running.pk}/").content.decode()
    assert "Re-run" not in page and ">Start</button>" not in page
    defined = services.create_campaign("P311", SYSTEM, run_ids=[1000])
    page = client.get(f"/pipelines/campaigns/{defined.pk}/").content.decode()
    assert (
        f'action="/pipelines/campaigns/{defined.pk}/start/" class="action" data-confirm="Start campaign P311?'
        in page
    )


def test_a_finished_campaign_shows_no_rate_or_estimate(client, operator):
    campaign = campaign_with_states("P310", ["ready", "ready"])
    ledger.transition(campaign, "validating", SYSTEM)
    client.force_login(operator)
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert "runs/h" not in page and "Estimated finish" not in page
    assert 'data-confirm="Re-run campaign P310? Failed runs go back' in page


def test_the_form_says_what_is_missing(client, operator, magic7_runs):
    client.force_login(operator)
    neither = client.post("/pipelines/", {"name": "P310", "next": "/pipelines/"}, follow=True)
    assert "give a range of runs (first and last run) or a list of runs" in neither.content.decode()
    half = client.post(
        "/pipelines/", {"name": "P310", "first_run": RUNS[0], "next": "/pipelines/"}, follow=True
    )
    assert "give the last run of the range as well" in half.content.decode()
    assert not ReprocessingCampaign.objects.exists()


def test_the_velocity_chart_has_axes_units_hover_values_and_a_sentence(client, operator):
    campaign = campaign_with_states("P310", ["ready", "ready", "error"])
    first, second, _ = campaign.campaign_runs.order_by("data_run__run_id")
    CampaignRun.objects.filter(pk=first.pk).update(velocity_worst=0.8, velocity_passed=True)
    CampaignRun.objects.filter(pk=second.pk).update(velocity_worst=7.5, velocity_passed=False)
    client.force_login(operator)
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert "worst deviation (m/s)</text>" in page and "data runs, in run order (3)</text>" in page
    assert f"<title>{first.data_run}: worst deviation 0.8 m/s (within the 5 m/s tolerance)</title>" in page
    assert f"<title>{second.data_run}: worst deviation 7.5 m/s (over the 5 m/s tolerance)</title>" in page
    assert "2 of 3 runs checked, 1 over the tolerance; the worst is 7.500 m/s" in page
    assert page.count('<rect class="over"') == 1 and page.count('<rect class="within"') == 1


def test_a_failed_run_shows_why_on_top_of_its_page_with_the_retry(client, operator, scientist):
    campaign = campaign_with_states("P310", ["error"])
    run = campaign.campaign_runs.get()
    client.force_login(scientist)
    page = client.get(f"/pipelines/runs/{run.pk}/").content.decode()
    top = page.index('<section class="failure"')
    assert top < page.index("<dl") and "Failed in Pending" in page[top:]
    assert "magic7 unusable" in page[top : page.index("<dl")]
    assert "/retry/" not in page and "An operator can retry it" in page
    client.force_login(operator)
    page = client.get(f"/pipelines/runs/{run.pk}/").content.decode()
    assert f'action="/registry/objects/pipelines.campaignrun/{run.pk}/retry/"' in page


def test_each_step_says_how_long_it_took_and_opens_the_latest_execution(client, operator):
    DataRun.objects.create(run_id=1000)
    campaign = services.create_campaign("P310", SYSTEM, run_ids=[1000])
    run = campaign.campaign_runs.get()
    start = timezone.now() - datetime.timedelta(hours=2)
    for state, minutes in (("generating", 0), ("flagging", 1.5), ("validating", 12), ("ready", 42)):
        with mock.patch(
            "django.utils.timezone.now", return_value=start + datetime.timedelta(minutes=minutes)
        ):
            ledger.transition(run, state, SYSTEM)
    kind = ContentType.objects.get_for_model(CampaignRun)
    Execution.objects.create(task_name="earlier", subject_type=kind, subject_id=str(run.pk))
    latest = Execution.objects.create(task_name="latest", subject_type=kind, subject_id=str(run.pk))
    client.force_login(operator)
    page = client.get(f"/pipelines/campaigns/{campaign.pk}/").content.decode()
    assert f'href="/registry/executions/{latest.pk}/" title="{run.data_run} FT2 files: done, 90.0 s"' in page
    assert f'title="{run.data_run} BTIs: done, 10.5 min"' in page
    assert f'title="{run.data_run} checks: done, 30.0 min"' in page
    assert f'title="{run.data_run} FSSC ingest: waiting, ' in page  # for as long as it has waited so far
