"""A live region whose session ends (Chromium): the campaign page's progress, polled every 2 s,
stops where it was and the page says why, with the way back; it does not go on silently."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from l2portal.portal.sessions import LIVE_STOPPED
from tests.browser_checks import check_page
from tests.conftest import sign_in

from .conftest import campaign_with_states

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_live_region_that_loses_its_session_stops_and_says_so(browser_page, live_server, operator):
    campaign = campaign_with_states("P310", ["ready", "error", "pending"])
    page = browser_page
    url = f"{live_server.url}/pipelines/campaigns/{campaign.pk}/"
    sign_in(page, live_server, "operator", "operator")
    page.goto(url)
    assert page.get_attribute("#campaign-live", "hx-trigger") == "every 2s"
    shown = page.text_content("#campaign-live")

    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/live/" in request.url else None)
    Session.objects.all().delete()
    stopped = page.locator("#live-stopped")
    expect(stopped).to_be_visible(timeout=15_000)
    assert LIVE_STOPPED in stopped.text_content()
    assert page.text_content("#campaign-live") == shown  # the region keeps what it showed
    asked = len(polls)
    page.wait_for_timeout(5_000)  # two more poll periods: none is sent
    assert len(polls) == asked
    check_page(page, "live-region-session-ended")

    stopped.get_by_role("link").click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "operator")
    page.click("main button[type=submit]")
    page.wait_for_url(url)


def test_a_form_opened_before_signing_in_again_gets_the_portals_own_page(browser_page, live_server, operator):
    campaign = campaign_with_states("P310", ["ready", "generating"])
    page = browser_page
    url = f"{live_server.url}/pipelines/campaigns/{campaign.pk}/"
    sign_in(page, live_server, "operator", "operator")
    page.goto(url)
    # Signed in again elsewhere (another tab of the same browser): that renews the form's token.
    login = f"{live_server.url}/accounts/login/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.request.get(login).text()).group(1)
    again = {"csrfmiddlewaretoken": token, "username": "operator", "password": "operator"}
    assert page.request.post(login, form=again, max_redirects=0).status == 302

    page.fill("input[name=last_run]", "1001")
    page.click("button:has-text('Backfill')")
    page.locator("dialog#confirm-dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_contain_text("The form was out of date")
    assert "Reload the page and do it again" in page.text_content("main")
    check_page(page, "csrf-form-out-of-date")
    page.get_by_role("link", name="Back to the page you were on").click()
    page.wait_for_url(url)
    campaign.refresh_from_db()
    assert campaign.backfills == 0
