"""The request page in a browser: it follows a restore live (htmx polling) to the end."""

import os
from pathlib import Path

import pytest

from l2portal.ledger.services import Actor
from restore import services
from restore.models import RestoreRequest
from tests.restore.conftest import X80E

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed at /usr/bin/chromium"),
]


def test_the_request_page_follows_the_restore_live(live_server, scientist):
    from playwright.sync_api import expect, sync_playwright

    scientist.set_password("secret-pw")
    scientist.save()
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)  # its check is queued
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", scientist.username)
            page.fill("input[name=password]", "secret-pw")
            page.click("button[type=submit]")
            page.goto(f"{live_server.url}/restores/{restore.pk}/")
            expect(page.locator("#restore-live h2 .badge")).to_have_text("Requested")
            expect(page.locator(".answer")).to_contain_text("Not answered yet")

            # The queued steps run while the page is open: it reloads itself as the state moves on.
            services.run_step(services.check, restore.pk, Actor.system("test"))
            expect(page.locator("#restore-live h2 .badge")).to_have_text("Restored", timeout=30_000)
            expect(page.locator(".answer .verdict")).to_have_text("Yes")
            expect(page.locator("pre.log")).to_contain_text("Terminating procedure execution")
            expect(page.locator("table.sessions")).to_contain_text("SemiPass")
        finally:
            page.goto("about:blank")  # stop polling before the server goes away
            browser.close()
