"""A campaign run's page shows its magic7 parse report and a coverage bar over the run's span, with
its axis in seconds, the uncovered stretches and declared gaps marked, and a sentence (issue 20)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.science import orbitgen
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.factories import SYSTEM

from .conftest import RUNS, SPAN, make_campaign

RUN = RUNS[0]


def _short_run(tmp_path, operator):
    """A run whose magic7 stops 60 s before the span registered for it: validation fails it."""
    path = tmp_path / "magic7.txt"
    orbitgen.write_magic7(path, RUN, RUN + SPAN)
    services.register_magic7(RUN, path, RUN, RUN + SPAN + 60, Actor.of_user(operator))
    services.generate_demo_livetime([RUN], SYSTEM)
    campaign = make_campaign(runs=[RUN])
    services.start_campaign(campaign, SYSTEM)
    return campaign.campaign_runs.get()


@pytest.mark.django_db
def test_the_run_page_draws_the_coverage_bar_and_the_parse_report(
    client, operator, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.PIPELINES_FT2_KNOWN_GAPS = [[RUN + 10, RUN + 20]]
    with django_capture_on_commit_callbacks(execute=True):
        run = _short_run(tmp_path, operator)
    run.refresh_from_db()
    assert run.state == "error"
    client.force_login(operator)
    page = client.get(reverse("pipelines:run", args=[run.pk])).content.decode()
    assert '<svg class="coverage"' in page and "seconds from the run's start (MET 545208791)" in page
    assert page.count('<rect class="gap"') == 1 and page.count('<rect class="excused"') == 1
    assert f"no rows: MET {run.coverage['largest_gap'][0]:.1f}" in page  # the hover value of the gap
    assert "(at least 99.5% required)" in page and escape(run.coverage["summary"]) in page
    assert escape(run.parse_report["summary"]) in page and 'id="parse-report"' in page
    assert '<text class="tick"' in page and ">0<" in page


@pytest.mark.django_db(transaction=True)
def test_the_coverage_bar_in_a_browser(browser_page, live_server, operator, tmp_path):
    from playwright.sync_api import expect

    run = _short_run(tmp_path, operator)  # its tasks run in place as the start commits
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/pipelines/runs/{run.pk}/")
    expect(page.locator("svg.coverage rect.gap")).to_have_count(1)
    expect(page.locator("#coverage-caption")).to_contain_text("red where no row covers it")
    check_page(page, "campaign-run-coverage")
