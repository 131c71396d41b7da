"""The restores page (/restores/): the request form and the list of restores."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, transition
from restore.models import RestoreRequest
from tests.restore.conftest import X80E

SYSTEM = Actor.system("test")


@pytest.mark.django_db(transaction=True)
def test_request_form_runs_a_restore_and_the_page_shows_it(client, scientist):
    client.force_login(scientist)
    response = client.post("/restores/", {"mous_uid": X80E})
    restore = RestoreRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/restores/{restore.pk}/"
    page = client.get(f"/restores/{restore.pk}/").content.decode()
    assert "Can we restore?" in page and "pipeline calibration product" in page
    assert "uid://A002/Xce574d/Xa33e" in page and "SemiPass" in page  # sessions table
    assert "left out of the DataSet" in page  # warnings
    assert "&lt;SciPipeRequest" in page and f"/restores/{restore.pk}/ppr.xml?download=1" in page
    assert "Terminating procedure execution" in page  # the log
    assert "working/uid___A002_Xcf92df_X3453.ms" in page  # outputs
    assert 'class="timeline"' in page and "hx-trigger" not in page  # finished: no more polling
    download = client.get(f"/restores/{restore.pk}/ppr.xml?download=1")
    assert download["Content-Type"] == "application/xml" and "attachment" in download["Content-Disposition"]
    listing = client.get("/restores/").content.decode()
    assert X80E in listing and "Restored" in listing


@pytest.mark.django_db
def test_a_bad_uid_is_shown_on_the_form(client, scientist):
    client.force_login(scientist)
    response = client.post("/restores/", {"mous_uid": "nonsense"})
    assert "is not a member OUS uid" in response.content.decode()
    assert response.status_code == 400
    assert not RestoreRequest.objects.exists()
    assert LedgerEvent.objects.get(kind="restore_refused").actor == "scientist"


@pytest.mark.django_db
def test_only_operators_and_scientists_get_the_form(client, fssc):
    client.force_login(fssc)
    assert 'name="mous_uid"' not in client.get("/restores/").content.decode()
    refused = client.post("/restores/", {"mous_uid": X80E})
    assert refused.status_code == 403
    assert "only operators or scientists may request restores" in refused.content.decode()
    assert not RestoreRequest.objects.exists()
    assert client.get("/restores/").status_code == 200


@pytest.mark.django_db
def test_pages_need_a_sign_in(client):
    assert client.get("/restores/").status_code == 302


@pytest.mark.django_db
def test_the_list_filters_by_state(client, operator):
    requested = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    ended = RestoreRequest.objects.create(mous_uid="uid://A001/X1/X1")
    transition(ended, "not_restorable", SYSTEM)
    client.force_login(operator)
    page = client.get("/restores/?state=not_restorable").content.decode()
    assert f'href="/restores/{ended.pk}/"' in page and f'href="/restores/{requested.pk}/"' not in page


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_data(client, operator, with_staged_files):
    client.force_login(operator)
    small = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    with_staged_files(small, 1)
    with CaptureQueriesContext(connection) as few:
        client.get("/restores/")
    big = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    with_staged_files(big, 30)
    transition(big, "staged", SYSTEM)
    for n in range(10):
        RestoreRequest.objects.create(mous_uid=f"uid://A001/X1/X{n}", requested_by=operator)
    with CaptureQueriesContext(connection) as many:
        client.get("/restores/")
    assert len(many) == len(few)
