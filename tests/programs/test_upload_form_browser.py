"""The inversion upload form in Chromium, as a scientist meets it: a session that ended while the
form was filled in, and files that are not right."""

import pytest
from django.contrib.sessions.models import Session

from l2portal.portal.sessions import DO_IT_AGAIN
from l2portal.programs.standins import synthetic_frames
from tests.browser_checks import check_page
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_form_sent_after_the_session_ended_comes_back_to_the_form_with_do_it_again(
    working, scientist, live_server, browser_page, tmp_path
):
    files = synthetic_frames.write_inversion_files(tmp_path, working.execution_id)
    page = browser_page
    url = f"{live_server.url}/programs/{working.pk}/"
    sign_in(page, live_server, "scientist", "scientist")
    page.goto(url)
    form = page.locator("#upload-form")
    for name in ("quantities", "fit_profiles", "original_profiles"):
        form.locator(f"input[name={name}]").set_input_files(str(getattr(files, name)))
    form.locator("input[name=software_commit]").fill("3f9c2ab")

    Session.objects.all().delete()  # the session ends while the form is being filled in
    form.get_by_role("button", name="Upload and mark Inverted").click()

    page.wait_for_url("**/accounts/login/**")
    assert "Your session had expired" in page.text_content("main")
    check_page(page, "session-expired-sign-in")
    page.fill("input[name=username]", "scientist")
    page.fill("input[name=password]", "scientist")
    page.click("main button[type=submit]")
    page.wait_for_url(url)  # back on the page with the form, not on the address it was sent to
    assert DO_IT_AGAIN in page.text_content(".messages")
    assert page.locator("#upload-form").is_visible()
    check_page(page, "session-expired-back-on-the-form")
    working.refresh_from_db()
    assert working.state == "working" and not working.inversions.exists()


def choose_files(form, files, **instead) -> None:
    for name in ("quantities", "fit_profiles", "original_profiles"):
        form.locator(f"input[name={name}]").set_input_files(str(instead.get(name) or getattr(files, name)))


def test_problems_come_back_next_to_their_fields_with_the_values_kept(
    working, scientist, live_server, browser_page, tmp_path
):
    files = synthetic_frames.write_inversion_files(tmp_path, working.execution_id)
    not_fits = tmp_path / "notes.txt"
    not_fits.write_text("inversion notes, not a FITS file\n" * 100)
    page = browser_page
    sign_in(page, live_server, "scientist", "scientist")
    page.goto(f"{live_server.url}/programs/{working.pk}/")
    expected = page.text_content("details.expected-files")
    # The form says what it wants, from the checks' own constants: names, shapes, units.
    assert "inv_res_mod.fits" in expected and "(quantity 11, depth, y, x)" in expected
    assert "Magnetic Field Strength [G]" in expected and "DESR-FID" in expected

    form = page.locator("#upload-form")
    choose_files(form, files, quantities=not_fits)
    form.locator("input[name=software_commit]").fill("3f9c2ab")
    ticks = form.locator("input[name=dataset_ids]")
    untouched = ticks.nth(0).get_attribute("value")
    ticks.nth(0).uncheck()
    form.locator("button:has-text('Upload and mark Inverted')").click()

    page.wait_for_selector("#upload-problems")
    error = page.text_content("#upload-quantities-error")
    assert "not a readable FITS file" in error and "2880" not in error  # said for people, not astropy
    assert page.get_attribute("#upload-quantities", "aria-invalid") == "true"
    assert page.locator("#upload-fit_profiles-error").count() == 0
    assert "Choose the three files again" in page.text_content("#upload-problems")
    assert page.input_value("#upload-commit") == "3f9c2ab"
    assert not page.locator(f"#upload-form input[value='{untouched}']").is_checked()
    assert page.locator("#upload-form input[name=dataset_ids]:checked").count() == ticks.count() - 1
    check_page(page, "upload-form-inline-errors")

    form = page.locator("#upload-form")
    choose_files(form, files)
    form.locator("button[name=check]").click()
    page.wait_for_selector("#upload-checked")
    assert "pass every check" in page.text_content("#upload-checked")
    working.refresh_from_db()
    assert working.state == "working" and not working.inversions.exists()
