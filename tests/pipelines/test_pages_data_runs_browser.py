"""The data runs page in a real browser: a run held for want of a livetime source says what to
provide and resumes its Level 1 from its row once that is registered. The page passes axe-core's
checks and is kept as a screenshot."""

import pytest

from pipelines.models import DataRun
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.pipelines.halfpipe import TIMELINE, ingest, register_livetime_for, register_magic7_for, simulate

pytestmark = pytest.mark.django_db(transaction=True)

RUN = int(TIMELINE.start)


def test_a_held_run_says_what_to_provide_and_resumes(browser_page, live_server, operator, tmp_path):
    from playwright.sync_api import expect

    register_magic7_for(tmp_path=tmp_path, livetime_runs=[])
    ingest(simulate()[0])
    assert DataRun.objects.get(run_id=RUN).state == "no_livetime_source"
    page = browser_page
    sign_in(page, live_server, "operator", "operator")
    page.goto(f"{live_server.url}/pipelines/data-runs/")
    row = page.locator("tr", has_text=f"r{RUN:010d}")
    expect(row).to_contain_text("Held: no livetime source")
    expect(row).to_contain_text(f"register livetime_r{RUN:010d}.csv (manage.py register_ft2_inputs)")
    check_page(page, "data-runs-held")
    register_livetime_for([RUN], folder=tmp_path)
    row.get_by_role("button", name="Resume Level 1").click()
    expect(page.locator(".message")).to_contain_text(f"Level 1 of r{RUN:010d} resumed")
    page.reload()
    expect(page.locator("tr", has_text=f"r{RUN:010d}")).to_contain_text("Level 1 done")
