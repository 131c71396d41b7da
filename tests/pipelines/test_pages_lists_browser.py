"""The portal's lists in a real browser: a domain list (the runs of every campaign) sorted, its
columns chosen and remembered, its current filter downloaded as CSV and its page size changed;
the campaign page's wide table of runs scrolling inside its box at 1,280 and 820 px, never past
the window; a scientist following a dashboard count into the filtered list. Each page visited
passes axe-core's checks and is kept as a screenshot."""

import csv

import pytest

from l2portal.ledger import services as ledger
from pipelines import services
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.factories import SYSTEM, program

from .conftest import RUNS, campaign_with_states, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def _header_names(page) -> list[str]:
    return [name.strip() for name in page.locator("table.portal-table thead th").all_inner_texts()]


def test_a_list_sorted_columns_chosen_csv_downloaded_and_page_size_changed(
    browser_page, live_server, operator
):
    from playwright.sync_api import expect

    campaign_with_states("P310", ["error", "ready", "ready", "error"])
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/pipelines/runs/")
    expect(page.locator("tbody tr")).to_have_count(4)
    check_page(page, "campaign-runs-list")

    # Sorted: the Run header twice, ascending then descending.
    page.locator("thead th").filter(has_text="Run").first.get_by_role("link").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Run")
    page.locator("thead th").filter(has_text="Run").first.get_by_role("link").click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Run")
    expect(page.locator("tbody tr").first).to_contain_text("r0000001003")

    # Filtered by state from the list's own form.
    filters = page.locator("form.filters")
    filters.get_by_label("State").select_option("error")
    filters.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr")).to_have_count(2)

    # Columns chosen, and still chosen on the next visit.
    columns = page.locator("details.columns")
    columns.get_by_text("Columns", exact=True).click()
    columns.get_by_label("Mode", exact=True).uncheck()
    columns.get_by_label("Velocity check", exact=True).uncheck()
    columns.get_by_role("button", name="Show").click()
    expect(page.locator("thead")).not_to_contain_text("Velocity check")
    page.goto(f"{live_server.url}/pipelines/runs/?state=error")
    assert "Mode" not in _header_names(page) and "Campaign" in _header_names(page)
    check_page(page, "campaign-runs-columns-chosen")

    # The current filter as CSV, with the columns shown.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["State"] for row in rows] == ["Error: magic7 unusable"] * 2
    assert "Mode" not in rows[0] and rows[0]["Campaign"] == "P310"
    assert download.value.suggested_filename.startswith("campaign-runs-")

    # Page size: 25 rows a page, the filter kept.
    page.get_by_role("navigation", name="Campaign runs: rows per page").get_by_role("link", name="25").click()
    expect(page).to_have_url(f"{live_server.url}/pipelines/runs/?state=error&per_page=25")
    expect(page.locator(".page-size b[aria-current]")).to_have_text("25")
    expect(page.locator("tbody tr")).to_have_count(2)


@pytest.mark.parametrize("width", [1280, 820])
def test_the_campaign_runs_table_scrolls_inside_its_box(
    browser_page, live_server, operator, magic7_runs, width
):
    from playwright.sync_api import expect

    campaign = make_campaign(runs=RUNS[:2])
    services.start_campaign(campaign, SYSTEM)  # its tasks run in place as the start commits
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/pipelines/campaigns/{campaign.pk}/")
    expect(page.locator("tr.run")).to_have_count(2)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than its {width} px window"
    box = page.locator("#runs .table-scroll")
    inside = box.evaluate(
        "b => ({box: b.getBoundingClientRect().right, table: b.scrollWidth, shown: b.clientWidth})"
    )
    assert inside["box"] <= width
    files = page.locator("#runs thead th").filter(has_text="Files")
    files.scroll_into_view_if_needed()  # scrolls the box, not the page
    header = files.bounding_box()
    assert header["x"] >= 0 and header["x"] + header["width"] <= width
    expect(page.locator("#runs tbody tr").first.locator("td").nth(-2)).to_contain_text("gll_pt1s")
    check_page(page, f"campaign-runs-at-{width}px")


def test_a_scientist_follows_a_dashboard_count_into_the_filtered_list(browser_page, live_server, scientist):
    from playwright.sync_api import expect

    failed = program("eid_failed")
    ledger.fail(failed, SYSTEM, "no wavelength axis in the level 1 headers")
    program("eid_ok")
    page = browser_page
    sign_in(page, live_server, "scientist", "scientist")
    check_page(page, "dashboard-scientist")
    page.get_by_role("link", name="observing programs: 1 error").click()
    expect(page).to_have_url(f"{live_server.url}/programs/?state=error")
    rows = page.locator("table.portal-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("eid_failed")
    expect(rows.first).to_contain_text("no wavelength axis in the level 1 headers")
    assert "/admin/" not in page.url
    check_page(page, "dashboard-count-programs-in-error")
