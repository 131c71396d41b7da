"""The demo flow in Chromium, as first-time users do it: an operator preprocesses an invertible
program, a scientist claims it and uploads the results, the operator publishes it; then the Level 2
frames and the ASDF file are in the bucket, in the data center's units."""

import pytest
from astropy.io import fits

from l2portal.programs import demo, selectors
from l2portal.programs.models import ObservingProgram
from l2portal.programs.standins import synthetic, synthetic_frames
from l2portal.registry.services import absolute_path
from tests.browser_checks import check_page
from tests.conftest import sign_in
from tests.programs.conftest import invertible
from tests.programs.dkist_load import assert_dkist_loads

pytestmark = pytest.mark.django_db(transaction=True)


def switch_to(page, live_server, username: str) -> None:
    page.click("form.who button")  # sign out first: the sign-in page has the header's button too
    page.wait_for_load_state()
    sign_in(page, live_server, username, username)


def act(page, button: str, message: str) -> None:
    page.click(f"button:has-text('{button}')")
    page.wait_for_selector(f"text={message}")


def test_operator_preprocesses_scientist_uploads_operator_publishes(
    loaded, scientist, operator, store, data_root, live_server, browser_page, tmp_path
):
    # The data come first: they are written before Playwright starts its event loop.
    demo.write_l1_sources()
    program = invertible(0)
    files = synthetic_frames.write_inversion_files(tmp_path, program.execution_id)
    page = browser_page
    url = f"{live_server.url}/programs/{program.pk}/"

    sign_in(page, live_server, "operator", "operator")
    page.goto(url)
    assert "an operator preprocesses it" in page.text_content("section.actions")
    act(page, "Preprocess", "Preprocessing queued")
    page.goto(url)
    assert "Preprocessed" in page.text_content("h1")
    assert "36 / 36 files (0 already there)" in page.text_content("#transfers")

    switch_to(page, live_server, "scientist")
    page.goto(f"{live_server.url}/programs/queue/")
    page.click(f'button[data-claim="{program.execution_id}"]')
    page.wait_for_url(f"**/programs/{program.pk}/")
    assert page.text_content("#owner") == "scientist"
    form = page.locator("#upload-form")
    form.locator("input[name=quantities]").set_input_files(str(files.quantities))
    form.locator("input[name=fit_profiles]").set_input_files(str(files.fit_profiles))
    form.locator("input[name=original_profiles]").set_input_files(str(files.original_profiles))
    form.locator("input[name=software_commit]").fill("3f9c2ab")
    form.get_by_role("button", name="Upload and mark Inverted").click()
    page.wait_for_selector("text=Results uploaded and registered")
    assert "Inverted" in page.text_content("h1")

    switch_to(page, live_server, "operator")
    page.goto(url)
    page.click("button:has-text('Publish Level 2')")
    dialog = page.locator("dialog#confirm-dialog")
    assert "Publish the Level 2 data of" in dialog.locator("#confirm-message").text_content()
    dialog.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("text=Publishing queued")
    page.goto(url)
    assert "Published" in page.text_content("h1")
    inversion_text = page.text_content("#inversion")
    assert "_L2_metadata.asdf" in inversion_text and "3 Level 2 frames" in inversion_text

    program = ObservingProgram.objects.get(pk=program.pk)
    inversion = program.inversions.get()
    assert inversion.uploaded_by == scientist and [m["inversionId"] for m in store.mutations] == [
        inversion.inversion_id
    ]
    frames = selectors.level2_frames(inversion)
    bucket = data_root / "object-store" / "data" / program.proposal_id / inversion.inversion_id
    assert sorted(p.name for p in bucket.iterdir()) == sorted(
        absolute_path(p).name for p in [*frames, inversion.asdf]
    )
    for frame in frames:
        with fits.open(bucket / absolute_path(frame).name) as hdus:
            units = {hdu.header["EXTNAME"]: hdu.header["BUNIT"] for hdu in hdus[1:12]}
            assert units["Magnetic Field Strength"] == "T" and units["Line-of-sight Velocity"] == "km/s"
            assert units["Gas Pressure"] == "N/m^2" and units["Density"] == "kg/m^3"
            assert hdus["Magnetic Field Strength"].data.max() <= 0.25  # 2,500 G at most, as tesla
            assert hdus["Magnetic Field Azimuth (w.r.t. line-of-sight)"].data.min() >= 0
    published = assert_dkist_loads(
        bucket / absolute_path(inversion.asdf).name, [bucket / absolute_path(f).name for f in frames]
    )
    assert published["mag_strength"].unit == "T"


def test_the_program_charts_carry_axes_hover_values_and_what_they_show(
    loaded, scientist, live_server, browser_page
):
    from playwright.sync_api import expect

    program = ObservingProgram.objects.get(execution_id=synthetic.program_id_for(3))  # Na I missed
    page = browser_page
    sign_in(page, live_server, "scientist", "scientist")
    page.goto(f"{live_server.url}/programs/{program.pk}/")
    wavelengths, times = page.locator("svg.chart").nth(0), page.locator("svg.chart").nth(1)
    expect(wavelengths.locator("text.unit")).to_have_text("wavelength (nm), each panel a line's window")
    expect(times.locator("text.unit")).to_contain_text("time (UTC, 20")
    expect(page.locator("#wavelengths-caption")).to_contain_text("Na I 589: not covered")
    expect(page.locator("#timespan-caption")).to_contain_text("each lasting")
    expect(wavelengths.locator("line.mark.required title").first).to_contain_text(
        "current datasets (required)"
    )
    expect(times.locator("rect.bar title").first).to_contain_text(" min)")
    check_page(page, "program-charts")
