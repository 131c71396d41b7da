"""A scientist claims an observing program from the queue and uploads the results, in Chromium."""

import pytest

from l2portal.programs import synthetic
from l2portal.programs.models import ObservingProgram
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_scientist_claims_and_uploads(preprocessed, scientist, live_server, browser_page, tmp_path):
    # The data fixtures come first: they run before Playwright starts its event loop.
    page = browser_page
    sign_in(page, live_server, "scientist", "scientist")
    page.goto(f"{live_server.url}/programs/queue/")
    page.click(f'button[data-claim="{preprocessed.execution_id}"]')
    page.wait_for_url(f"**/programs/{preprocessed.pk}/")
    assert page.text_content("#owner") == "scientist"

    files = synthetic.write_inversion_files(tmp_path, preprocessed.execution_id)
    form = page.locator("#upload-form")
    form.locator("input[name=quantities]").set_input_files(str(files.quantities))
    form.locator("input[name=fit_profiles]").set_input_files(str(files.fit_profiles))
    form.locator("input[name=original_profiles]").set_input_files(str(files.original_profiles))
    form.locator("input[name=software_commit]").fill("3f9c2ab")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=Results uploaded and registered")
    assert "Inverted" in page.text_content("h1")
    program = ObservingProgram.objects.get(pk=preprocessed.pk)
    assert program.state == "inverted" and program.inversions.get().software_commit == "3f9c2ab"
