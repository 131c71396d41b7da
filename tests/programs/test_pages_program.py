"""The program page: checklist, charts, datasets, history, buttons per role and state, actions."""

import pytest

from l2portal.ledger.services import Actor
from l2portal.programs import services, synthetic
from l2portal.programs.models import ObservingProgram
from tests.factories import SYSTEM
from tests.programs.conftest import add_programs, invertible, query_count, write_sources

pytestmark = pytest.mark.django_db


def test_detail_query_count_does_not_grow_with_history(client, preprocessed, scientist, operator):
    client.force_login(scientist)
    url = f"/programs/{preprocessed.pk}/"
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


def test_progress_fragment_polls_while_running(client, loaded, scientist):
    client.force_login(scientist)
    program = invertible(0)
    ObservingProgram.objects.filter(pk=program.pk).update(
        progress={"state": "fetching", "files_done": 2, "files_total": 6, "bytes_done": 100, "skipped": 0}
    )
    fragment = client.get(f"/programs/{program.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "2 / 6 files" in fragment
    ObservingProgram.objects.filter(pk=program.pk).update(progress={"state": "done"})
    assert "hx-trigger" not in client.get(f"/programs/{program.pk}/progress/").content.decode()


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
