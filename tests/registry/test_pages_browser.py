"""The portal's shared pages in a real browser: from a dashboard count to the filtered runs, a
failed run's log and the retry of what it failed (after a confirmation); a table sorted by its
header and exported as CSV; the change log filtered by who acted; the portal's own 404. Each page
visited passes axe-core's checks and is kept as a screenshot under var/screenshots/."""

import csv

import pytest

from l2portal.ledger import services
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.factories import SYSTEM, program
from tests.registry.pages_data import failed_run, runs

pytestmark = pytest.mark.django_db(transaction=True)


def test_from_a_dashboard_count_to_a_failed_runs_log_and_its_retry(browser_page, live_server, operator):
    from playwright.sync_api import expect

    runs(2)
    subject, run = failed_run()
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    check_page(page, "dashboard")
    page.get_by_role("link", name="executions: 1 failed").click()
    expect(page.locator("h1")).to_have_text("Executions")
    rows = page.locator("table.portal-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("no wavelength axis in the level 1 headers")
    check_page(page, "executions-failed")
    rows.first.get_by_role("link", name="log").click()
    expect(page.locator("#log-text")).to_contain_text("the wavelength axis is missing")
    expect(page.locator("section.failure")).to_contain_text("no wavelength axis in the level 1 headers")
    check_page(page, "execution-failed")
    page.locator("section.failure").get_by_role("button").first.click()
    dialog = page.locator("dialog#confirm-dialog")
    expect(dialog).to_be_visible()
    check_page(page, "execution-retry-confirmation")
    subject.refresh_from_db()
    assert subject.state == "error"  # nothing happens before the confirmation
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.locator(".message.success")).to_contain_text("sent back to Discovered")
    subject.refresh_from_db()
    assert subject.state == "discovered"
    expect(page.locator("section.failure")).to_have_count(0)
    assert page.url.endswith(f"/registry/executions/{run.pk}/")


def test_a_table_sorts_by_its_header_and_exports_what_it_shows(browser_page, live_server, operator, tmp_path):
    from playwright.sync_api import expect

    runs(3)
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/registry/executions/")
    header = page.locator("th", has_text="Started")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    shown = page.locator("table.portal-table tbody tr td:nth-child(5)").all_inner_texts()
    assert shown == sorted(shown, reverse=True) and len(shown) == 3
    check_page(page, "executions-sorted")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    saved = tmp_path / "runs.csv"
    download.value.save_as(saved)
    with saved.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["Started"] for row in rows] == shown
    assert list(rows[0]) == ["Task", "Status", "About", "Host", "Started", "Took"]


def test_the_change_log_filtered_by_who_acted(browser_page, live_server, operator):
    from playwright.sync_api import expect

    mine, theirs = program("eid_mine"), program("eid_theirs")
    services.transition(mine, "invertible", services.Actor.of_user(operator), "checked by hand")
    services.transition(theirs, "not_invertible", SYSTEM, "no wavelength")
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/registry/changes/")
    expect(page.locator("table.portal-table tbody tr")).to_have_count(2)
    page.get_by_role("textbox", name="Who").fill("operator")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("table.portal-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("checked by hand")
    check_page(page, "change-log-by-actor")
    for width in (1280, 820):  # a laptop, a tablet: the table scrolls in its box, the page does not
        page.set_viewport_size({"width": width, "height": 1000})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_page(page, "change-log-tablet")
    rows.first.get_by_role("link", name=f"observing program {mine.pk}").click()
    assert page.url.endswith(f"/programs/{mine.pk}/")


def test_an_unknown_address_shows_the_portals_own_404(browser_page, live_server, operator):
    from playwright.sync_api import expect

    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    response = page.goto(f"{live_server.url}/registry/executions/999999/")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("Not found")
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
    assert "URLconf" not in page.content()  # never Django's debug page listing the patterns
    check_page(page, "not-found")


def test_the_registry_pages_pass_the_checks(browser_page, live_server, operator):
    from playwright.sync_api import expect

    ((_, run),) = runs(1)
    product = run.outputs.get(product_type="ft2_1s")
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/registry/")
    page.get_by_role("link", name="OP1").click()
    expect(page.locator("h1")).to_contain_text("OP1")
    check_page(page, "registry-collection")
    page.get_by_role("link", name=product.filename, exact=True).click()
    expect(page.locator("h1")).to_contain_text(product.filename)
    expect(page.locator("section.timeline-card")).to_be_visible()
    check_page(page, "registry-product")
    page.goto(f"{live_server.url}/registry/search/?product_type=ft2_1s")
    expect(page.locator("table.portal-table tbody tr")).to_have_count(1)
    check_page(page, "registry-search")
