"""The campaign page in a real browser: the live part follows the runs every 2 s (htmx)."""

import pytest

from l2portal.ledger import services as ledger
from tests.conftest import sign_in
from tests.factories import SYSTEM

from .conftest import campaign_with_states

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
