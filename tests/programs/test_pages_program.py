"""The program page: checklist, charts, datasets, history, buttons per role and state, actions."""

import pytest

from l2portal.ledger.services import Actor
from l2portal.programs import services
from l2portal.programs.models import ObservingProgram, Transfer
from l2portal.programs.standins import synthetic
from l2portal.registry.services import absolute_path
from tests.factories import SYSTEM
from tests.programs.conftest import add_programs, invertible, query_count, write_sources

pytestmark = pytest.mark.django_db


def test_detail_query_count_does_not_grow_with_history(client, preprocessed, scientist, operator):
    client.force_login(scientist)
    url = f"/programs/{preprocessed.pk}/"
    query_count(client, url)  # content types cached, as on a running site
    before = query_count(client, url)
    for _ in range(5):
        services.claim(preprocessed, Actor.of_user(scientist))
        services.release(preprocessed, Actor.of_user(operator))
    assert query_count(client, url) == before


def test_detail_shows_checklist_picture_datasets_and_timeline(client, loaded, scientist):
    client.force_login(scientist)
    program = ObservingProgram.objects.get(execution_id=synthetic.program_id_for(3))  # low health
    page = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Frames with GOOD health (worst dataset)" in page
    assert "70.0%" in page and "≥ 75.0%" in page  # the value against its threshold
    assert page.count("<svg") == 2 and 'class="mark required"' in page
    assert "λ min (nm)" in page and "Exposure (ms)" in page
    assert "discovered → not_invertible" in page
    assert "Claim this program" not in page  # not preprocessed


def test_charts_have_axes_units_hover_values_and_say_what_they_show(client, loaded, scientist):
    client.force_login(scientist)
    program = ObservingProgram.objects.get(execution_id=synthetic.program_id_for(3))  # Na I missed
    page = client.get(f"/programs/{program.pk}/").content.decode()
    assert "wavelength (nm), each panel a line&#x27;s window</text>" in page and "time (UTC, 20" in page
    assert "Fe I 630 (required): in 1 current dataset;" in page
    assert 'Na I 589: <b class="bad">not covered</b>.' in page
    assert "6 datasets (such as VBI filters) reach none of the lines and have no row." in page
    assert page.count('class="label') == 3 + 9  # wavelengths: the 3 ViSP arms; times: every dataset
    assert "min)</title>" in page and "current datasets (required)</title>" in page
    assert "each lasting 6 to" in page  # the datasets observe for different times


def test_buttons_follow_role_and_state(client, preprocessed, scientist, operator):
    url = f"/programs/{preprocessed.pk}/"
    client.force_login(scientist)
    page = client.get(url).content.decode()
    assert "Claim this program" in page and "Publish Level 2" not in page and "Set priority" not in page
    client.force_login(operator)
    page = client.get(url).content.decode()
    assert "Claim this program" not in page and "Set priority" in page and "Assign" in page


def test_refused_page_action_shows_why(client, preprocessed, operator):
    client.force_login(operator)
    client.post(f"/programs/{preprocessed.pk}/claim/")
    page = client.get(f"/programs/{preprocessed.pk}/").content.decode()
    assert "only scientists may claim" in page  # the ledger's wording of a role refusal
    assert ObservingProgram.objects.get(pk=preprocessed.pk).state == "preprocessed"


def test_a_priority_that_is_not_a_number_is_refused(client, preprocessed, operator):
    client.force_login(operator)
    response = client.post(f"/programs/{preprocessed.pk}/priority/", {"priority": "high"})
    assert response.status_code == 302 and response.url == f"/programs/{preprocessed.pk}/"
    page = client.get(response.url).content.decode()
    assert "must be a whole number" in page and "Priority set" not in page
    assert ObservingProgram.objects.get(pk=preprocessed.pk).priority == preprocessed.priority


def test_transfers_fragment_polls_while_one_runs_and_links_to_every_file(client, loaded, scientist):
    client.force_login(scientist)
    program = invertible(0)
    write_sources(program)
    transfer = Transfer.objects.create(
        program=program, purpose="fetch", status="active", files_total=36, files_done=2
    )
    fragment = client.get(f"/programs/{program.pk}/transfers/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "2 / 36 files" in fragment
    transfer.delete()
    services.run_preprocess(program.pk, SYSTEM)
    fragment = client.get(f"/programs/{program.pk}/transfers/").content.decode()
    assert "hx-trigger" not in fragment and "36 / 36 files (0 already there)" in fragment
    done = program.transfers.get()
    page = client.get(f"/programs/{program.pk}/transfers/{done.pk}/").content.decode()
    assert page.count(">sha256</td>") == 36 and done.files.first().sha256 in page
    manifest = ObservingProgram.objects.get(pk=program.pk).manifest
    fragment = client.get(f"/programs/{program.pk}/transfers/").content.decode()
    assert f'href="/programs/{program.pk}/files/{manifest.pk}/" download' in fragment
    assert f'href="/registry/products/{manifest.pk}/">record</a>' in fragment
    download = client.get(f"/programs/{program.pk}/files/{manifest.pk}/")
    assert (
        download.status_code == 200
        and b"".join(download.streaming_content) == absolute_path(manifest).read_bytes()
    )
    assert client.get(f"/programs/{program.pk}/files/{manifest.pk + 1000}/").status_code == 404


def test_a_failed_program_shows_its_reason_on_top_and_what_to_do(
    client, loaded, scientist, operator, django_capture_on_commit_callbacks
):
    program = invertible(0)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs, in place
        services.request_preprocess(program, Actor.of_user(operator))  # no L1 source: fails
    client.force_login(scientist)
    page = client.get(f"/programs/{program.pk}/").content.decode()
    reason = ObservingProgram.objects.get(pk=program.pk).transitions.last().reason
    assert page.index('id="failure"') < page.index("<h2>Actions</h2>") and reason in page
    assert "An operator retries it once the cause is fixed." in page and "Retry the failed step" not in page
    client.force_login(operator)
    page = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Retry the failed step" in page and "Nothing for you to do" not in page
    assert "preprocess_program" in page and "preprocessing failed" in page  # its run, with the log


def test_an_operator_is_told_what_happens_next_not_that_nothing_can_be_done(
    client, working, operator, settings
):
    client.force_login(operator)
    page = client.get(f"/programs/{working.pk}/").content.decode()
    assert (
        "Working: scientist inverts it and sends the results" in page and "Nothing for you to do" not in page
    )
    assert "Release" in page and "Assign" in page
    settings.METADATA_STORE_URL = ""
    ObservingProgram.objects.filter(pk=working.pk).update(state="inverted")
    page = client.get(f"/programs/{working.pk}/").content.decode()
    assert "Publish Level 2" not in page and "Publishing is not possible here yet" in page
    assert "set METADATA_STORE_URL" in page


def test_settle_period_shown(client, scientist, settings):
    add_programs(0, 1)
    ObservingProgram.objects.update(needs_qualification=True)
    client.force_login(scientist)
    program = ObservingProgram.objects.get()
    assert "qualified once none has changed" in client.get(f"/programs/{program.pk}/").content.decode()


def test_retry_from_the_page_is_for_operators(loaded, operator, scientist, client):
    program = invertible(0)
    services.run_preprocess(program.pk, SYSTEM)  # no sources: fails
    write_sources(program)
    client.force_login(scientist)
    client.post(f"/programs/{program.pk}/retry/")
    assert ObservingProgram.objects.get(pk=program.pk).state == "error"
    client.force_login(operator)
    client.post(f"/programs/{program.pk}/retry/")
    # The retry is enqueued at commit; the test transaction never commits, so it waits in Invertible.
    assert ObservingProgram.objects.get(pk=program.pk).state == "invertible"
