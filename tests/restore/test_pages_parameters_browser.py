"""Restore parameters in a browser: the request form takes them (the known parameters listed beside
it) and the restore's page shows them; both pass axe-core's checks and are kept as screenshots."""

import pytest

from restore.models import RestoreRequest
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.restore.conftest import X80E

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_restore_requested_with_parameters_shows_them(browser_page, live_server, scientist):
    from playwright.sync_api import expect

    scientist.set_password("secret-pw")
    scientist.save()
    page = browser_page
    sign_in(page, live_server, scientist.username, "secret-pw")
    page.goto(f"{live_server.url}/restores/")
    page.fill("input[name=mous_uid]", X80E)
    page.locator("details.parameters summary").click()
    page.fill("textarea[name=restore_parameters]", "hifa_restoredata.bdflag = False")
    check_page(page, "restore-request-parameters")
    page.click("form.restore-request button[type=submit]")
    expect(page.locator(".message.error")).to_contain_text("hifa_restoredata has no parameter 'bdflag'")
    page.fill("textarea[name=restore_parameters]", "hifa_restoredata.bdfflags = False")
    page.click("form.restore-request button[type=submit]")
    expect(page.locator("#restore-live h2 .badge")).to_have_text("Restored", timeout=60_000)
    restore = RestoreRequest.objects.get()
    assert restore.restore_parameters == {"hifa_restoredata": {"bdfflags": False}}
    expect(page.locator("table.parameters")).to_contain_text("bdfflags")
    check_page(page, "restore-detail-parameters")
