"""The scientists' queue page: claim from it, then the upload form."""

import pytest

from l2portal.ledger import services as ledger
from l2portal.programs.models import ObservingProgram
from tests.factories import SYSTEM
from tests.programs.conftest import assert_queries_do_not_grow_with_programs

pytestmark = pytest.mark.django_db


def test_query_count_does_not_grow_with_programs(client, scientist):
    assert_queries_do_not_grow_with_programs(client, scientist, "/programs/queue/")


def test_claim_from_the_queue_then_upload_form(client, preprocessed, scientist):
    client.force_login(scientist)
    queue = client.get("/programs/queue/").content.decode()
    assert preprocessed.execution_id in queue and 'data-claim="' in queue
    response = client.post(f"/programs/{preprocessed.pk}/claim/", {"next": f"/programs/{preprocessed.pk}/"})
    assert response.status_code == 302
    page = client.get(f"/programs/{preprocessed.pk}/").content.decode()
    assert "Claimed: it is yours now." in page and "Send the inversion results" in page
    assert ObservingProgram.objects.get(pk=preprocessed.pk).owner == scientist


def test_an_errored_program_of_mine_shows_its_reason_in_the_queue(client, working, scientist):
    ledger.fail(working, SYSTEM, "publishing failed: the bucket is full")
    client.force_login(scientist)
    page = client.get("/programs/queue/").content.decode()
    assert 'class="reason" title="publishing failed: the bucket is full">' in page
