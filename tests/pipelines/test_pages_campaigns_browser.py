"""The campaign page in a real browser: the live part follows the runs every 2 s (htmx); failed
runs are retried from the grid after a confirmation; FT2 files download from it; the velocity
chart carries its axes. Each page visited passes axe-core's checks and is kept as a screenshot."""

import hashlib
from pathlib import Path

import pytest

from l2portal.ledger import services as ledger
from pipelines import services
from pipelines.models import CampaignRun
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.factories import SYSTEM

from .conftest import RUNS, campaign_with_states, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def test_progress_updates_while_the_page_is_open(browser_page, live_server, operator):
    from playwright.sync_api import expect

    campaign = campaign_with_states("P310", ["ready", "generating", "pending"])
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/pipelines/campaigns/{campaign.pk}/")
    done = page.locator("dd.done")
    expect(done).to_have_text("1")
    expect(page.locator("svg.strip rect")).to_have_count(3)
    working = campaign.campaign_runs.get(state="generating")
    for step in ("flagging", "validating", "ready"):
        ledger.transition(working, step, SYSTEM)
    expect(done).to_have_text("2", timeout=10_000)
    expect(page.locator("svg.strip rect.state-ready")).to_have_count(2)


def test_selected_failed_runs_are_retried_after_a_confirmation(browser_page, live_server, operator):
    from playwright.sync_api import expect

    campaign = campaign_with_states("P310", ["error", "ready", "error", "error"])
    failed = list(campaign.campaign_runs.filter(state="error").order_by("data_run__run_id"))
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/pipelines/campaigns/{campaign.pk}/")
    page.select_option("#run-state", "error")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tr.run")).to_have_count(3)
    expect(page.get_by_role("link", name=f"{failed[0].data_run} FT2 files: failed")).to_be_visible()
    check_page(page, "campaign-failed-runs")
    for run in failed[:2]:
        page.get_by_label(f"select {run.data_run} to retry").check()
    page.get_by_role("button", name="Retry the selected failed runs").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Retry the selected failed runs?")
    check_page(page, "campaign-retry-confirmation")
    assert all(run.state == "error" for run in CampaignRun.objects.filter(pk__in=[r.pk for r in failed]))
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.locator(".message")).to_contain_text("2 failed runs sent back to the step each failed in")
    retried = CampaignRun.transition_model().objects.filter(from_state="error", to_state="pending")
    assert sorted(retried.values_list("subject_id", flat=True)) == [failed[0].pk, failed[1].pk]
    assert not CampaignRun.transition_model().objects.filter(subject_id=failed[2].pk, from_state="error")


def test_an_ft2_file_downloads_and_the_velocity_chart_has_its_axes(
    browser_page, live_server, operator, magic7_runs
):
    from playwright.sync_api import expect

    campaign = make_campaign(runs=RUNS[:2])
    services.start_campaign(campaign, SYSTEM)  # its tasks run in place as the start commits
    campaign.refresh_from_db()
    assert campaign.state == "validated"
    run = campaign.campaign_runs.get(data_run__run_id=RUNS[0])
    ft2 = run.ft2_1s
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/pipelines/campaigns/{campaign.pk}/")
    chart = page.locator("svg.velocity")
    expect(chart.locator("text.axis-label.y")).to_have_text("worst deviation (m/s)")
    expect(chart.locator("text.axis-label.x")).to_have_text("data runs, in run order (2)")
    expect(chart.locator("rect.within title").first).to_contain_text("m/s (within the 5 m/s tolerance)")
    expect(page.locator("#velocity-caption")).to_contain_text("2 of 2 runs checked, 0 over the tolerance")
    check_page(page, "campaign-validated")
    with page.expect_download() as started:
        page.get_by_label(f"download {ft2.filename}").click()
    download = started.value
    assert download.suggested_filename == ft2.filename
    assert hashlib.sha256(Path(download.path()).read_bytes()).hexdigest() == ft2.sha256
    # The run's first step opens the log of the Execution that made its files.
    page.get_by_role("link", name=f"{run.data_run} FT2 files: done").click()
    expect(page.locator("h1")).to_contain_text("process_campaign_run")


def test_the_pipelines_pages_pass_the_accessibility_checks(browser_page, live_server, operator):
    from playwright.sync_api import expect

    campaign = campaign_with_states("P310", ["ready", "error", "generating"])
    failed = campaign.campaign_runs.get(state="error")
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    for name, path in (
        ("campaigns", "/pipelines/"),
        ("campaign-run-failed", f"/pipelines/runs/{failed.pk}/"),
        ("switchovers", "/pipelines/switchovers/"),
        ("downlinks", "/pipelines/downlinks/"),
        ("data-runs", "/pipelines/data-runs/"),
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        check_page(page, f"pipelines-{name}")
