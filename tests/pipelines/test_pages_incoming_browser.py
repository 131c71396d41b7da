"""The downlinks page in a browser with folders still arriving: each listed with its status and why
it is not registered; the page passes axe-core's checks and is kept as a screenshot."""

import pytest

from pipelines import conf, services
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.factories import SYSTEM
from tests.pipelines.halfpipe import simulate

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_downlinks_page_lists_the_folders_arriving(browser_page, live_server, operator):
    from playwright.sync_api import expect

    first, second = simulate()
    (second / "230401002-00002.chunk").unlink()
    (conf.incoming_root() / "230401003").mkdir()
    services.scan_incoming(SYSTEM)
    operator.set_password("secret-pw")
    operator.save()
    page = browser_page
    sign_in(page, live_server, operator.username, "secret-pw")
    page.goto(f"{live_server.url}/pipelines/downlinks/")
    arriving = page.locator(".arriving table")
    expect(arriving).to_contain_text(first.name)
    expect(arriving).to_contain_text("Complete, settling")
    expect(arriving).to_contain_text("RetDef-230401002-00002.xml names 230401002-00002.chunk, not arrived")
    expect(arriving).to_contain_text("no RetDef-*.xml file yet")
    check_page(page, "pipelines-downlinks-arriving")
