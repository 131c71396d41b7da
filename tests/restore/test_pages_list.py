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
    assert "Route: restore script" in page and "fixsyscaltimes (line 6)" in page  # which route, why
    assert '<code>fixsyscaltimes</code> <span class="argument">vis=uid___A002_Xcf92df_X3453.ms</span>' in page
    assert "uid://A002/Xce574d/Xa33e" in page and "SemiPass" in page  # sessions table
    assert "left out of the DataSet" in page  # warnings
    assert "from recipes.almahelpers import fixsyscaltimes" in page  # the script that ran
    assert f"/restores/{restore.pk}/script.py?download=1" in page
    assert "Restoring calibration state" in page  # the log
    assert "ms_listing.json" in page and f"/restores/{restore.pk}/outputs/" in page  # outputs
    assert f"/restores/{restore.pk}/weblog/pipeline-" in page  # the weblog opens from the page
    assert 'class="timeline"' in page and "hx-trigger" not in page  # finished: no more polling
    assert "Restore again with the PPR route" not in page  # operators only
    download = client.get(f"/restores/{restore.pk}/script.py?download=1")
    assert (
        download["Content-Type"].startswith("text/x-python")
        and "attachment" in download["Content-Disposition"]
    )
    listing = client.get("/restores/").content.decode()
    assert X80E in listing and "Restored" in listing


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_request_links_the_existing_restore_and_offers_to_restore_again(client, scientist):
    client.force_login(scientist)
    client.post("/restores/", {"mous_uid": X80E})
    first = RestoreRequest.objects.get()
    refused = client.post("/restores/", {"mous_uid": X80E})
    page = refused.content.decode()
    assert refused.status_code == 409 and f"already restored as #{first.pk}" in page
    assert f'href="/restores/{first.pk}/"' in page and f"Restore {X80E} again" in page
    assert RestoreRequest.objects.count() == 1
    again = client.post("/restores/", {"mous_uid": X80E, "again": "true"})
    second = RestoreRequest.objects.exclude(pk=first.pk).get()
    assert again["Location"] == f"/restores/{second.pk}/"


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
