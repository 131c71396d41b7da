"""The restore pages in a browser: the request page follows a restore live (htmx polling) to the
end; its weblog archive and outputs download; a failure shows on top and in the list; cancelling
asks first. Pages pass axe-core's checks and are kept as screenshots."""

import hashlib
from pathlib import Path

import pytest

from l2portal.ledger.services import Actor, fail
from restore import services
from restore.models import RestoreRequest
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.restore.conftest import X80E

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_request_page_follows_the_restore_live(browser_page, live_server, scientist):
    from playwright.sync_api import expect

    scientist.set_password("secret-pw")
    scientist.save()
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)  # its check is queued
    page = browser_page
    sign_in(page, live_server, scientist.username, "secret-pw")
    page.goto(f"{live_server.url}/restores/{restore.pk}/")
    expect(page.locator("#restore-live h2 .badge")).to_have_text("Requested")
    expect(page.locator(".answer")).to_contain_text("Not answered yet")

    # The queued steps run while the page is open: it reloads itself as the state moves on.
    services.run_restore_step(restore.pk, services.check, Actor.system("test"))
    expect(page.locator("#restore-live h2 .badge")).to_have_text("Restored", timeout=30_000)
    expect(page.locator(".answer .verdict")).to_have_text("Yes")
    expect(page.locator("pre.log")).to_contain_text("Restoring calibration state")
    expect(page.locator("table.sessions")).to_contain_text("SemiPass")
    expect(page.locator(".route h2")).to_contain_text("Route: restore script")

    # The weblog opens from the page.
    with page.expect_popup() as opened:
        page.locator(".weblogs a").first.click()
    weblog = opened.value
    expect(weblog.locator("h1")).to_have_text("Pipeline weblog (stand-in)")
    weblog.close()


def test_the_weblog_archive_and_the_outputs_download_from_the_page(
    browser_page, live_server, scientist, run_restore
):
    from playwright.sync_api import expect

    scientist.set_password("secret-pw")
    scientist.save()
    restore = run_restore(X80E, scientist)
    weblog = restore.output_products.filter(product_type="restore_weblog").first()
    page = browser_page
    sign_in(page, live_server, scientist.username, "secret-pw")
    page.goto(f"{live_server.url}/restores/{restore.pk}/")
    expect(page.locator("#restore-live h2 .badge")).to_have_text("Restored")
    check_page(page, "restore-restored")
    with page.expect_download() as started:
        page.get_by_label(f"download the weblog archive {weblog.filename}").click()
    download = started.value
    assert download.suggested_filename == weblog.filename
    assert hashlib.sha256(Path(download.path()).read_bytes()).hexdigest() == weblog.sha256
    page.get_by_role("link", name=f"record of {weblog.filename}").click()
    expect(page.locator("h1")).to_contain_text(weblog.filename)


def test_a_failed_restore_says_why_on_top_and_cancel_asks_first(browser_page, live_server, operator):
    from playwright.sync_api import expect

    failed = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    fail(failed, Actor.system("test"), "archive answered 503: try later")
    waiting = RestoreRequest.objects.create(mous_uid="uid://A001/X1/X2", requested_by=operator)
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/restores/")
    expect(page.locator("table.restores")).to_contain_text("archive answered 503: try later")
    check_page(page, "restore-list")
    page.goto(f"{live_server.url}/restores/{failed.pk}/")
    expect(page.locator("section.failure")).to_contain_text("archive answered 503: try later")
    check_page(page, "restore-failed")
    page.goto(f"{live_server.url}/restores/{waiting.pk}/")
    page.get_by_role("button", name="Cancel this restore").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Cancel this restore? It stops for good")
    check_page(page, "restore-cancel-confirmation")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.locator("#restore-live h2 .badge")).to_have_text("Cancelled")
