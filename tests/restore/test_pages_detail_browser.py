"""The request page in a browser: it follows a restore live (htmx polling) to the end."""

import pytest

from l2portal.ledger.services import Actor
from restore import services
from restore.models import RestoreRequest
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
