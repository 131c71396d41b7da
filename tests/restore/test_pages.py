"""Restore pages: the request form and list, the request page and its live part, admin actions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.services import Actor, transition
from restore.models import RestoreRequest, StagedFile
from tests.factories import superuser
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
    page = client.post("/restores/", {"mous_uid": "nonsense"}).content.decode()
    assert "is not a member OUS uid" in page
    assert not RestoreRequest.objects.exists()


@pytest.mark.django_db
def test_only_operators_and_scientists_get_the_form(client, fssc):
    client.force_login(fssc)
    assert 'name="mous_uid"' not in client.get("/restores/").content.decode()
    assert client.post("/restores/", {"mous_uid": X80E}).status_code == 403
    assert client.get("/restores/").status_code == 200


@pytest.mark.django_db
def test_pages_need_a_sign_in(client):
    assert client.get("/restores/").status_code == 302


@pytest.mark.django_db
def test_live_part_polls_until_the_state_changes(client, scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    client.force_login(scientist)
    live = client.get(f"/restores/{restore.pk}/live/?state=requested")
    assert live.status_code == 200 and 'hx-trigger="every 2s"' in live.content.decode()
    transition(restore, "checked", SYSTEM, "ok")
    changed = client.get(f"/restores/{restore.pk}/live/?state=requested")
    assert changed.status_code == 204 and changed["HX-Refresh"] == "true"
    assert client.get(f"/restores/{restore.pk}/ppr.xml").status_code == 404


@pytest.mark.django_db
def test_cancel_button(client, scientist, operator):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    client.force_login(scientist)
    assert "Cancel this restore" not in client.get(f"/restores/{restore.pk}/").content.decode()
    assert client.post(f"/restores/{restore.pk}/cancel/").status_code == 403
    client.force_login(operator)
    assert "Cancel this restore" in client.get(f"/restores/{restore.pk}/").content.decode()
    client.post(f"/restores/{restore.pk}/cancel/")
    restore.refresh_from_db()
    assert restore.state == "cancelled"


def _with_files(restore, count):
    StagedFile.objects.bulk_create(
        StagedFile(request=restore, kind="product", name=f"f{n}", relative_path=f"products/f{n}")
        for n in range(count)
    )
    for state in ("checked",):
        transition(restore, state, SYSTEM)


@pytest.mark.django_db
def test_page_query_counts_do_not_grow_with_data(client, operator):
    client.force_login(operator)
    small = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    _with_files(small, 1)
    with CaptureQueriesContext(connection) as list_few:
        client.get("/restores/")
    with CaptureQueriesContext(connection) as page_few:
        client.get(f"/restores/{small.pk}/")
    big = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    _with_files(big, 30)
    transition(big, "staged", SYSTEM)
    for n in range(10):
        RestoreRequest.objects.create(mous_uid=f"uid://A001/X1/X{n}", requested_by=operator)
    with CaptureQueriesContext(connection) as list_many:
        client.get("/restores/")
    with CaptureQueriesContext(connection) as page_many:
        client.get(f"/restores/{big.pk}/")
    assert len(list_many) == len(list_few)
    assert len(page_many) == len(page_few)


@pytest.mark.django_db
def test_admin_cancel_action(client, scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    client.force_login(superuser())
    client.post(
        "/admin/restore/restorerequest/", {"action": "cancel_restores", "_selected_action": [restore.pk]}
    )
    restore.refresh_from_db()
    assert restore.state == "cancelled"
    assert client.get(f"/admin/restore/restorerequest/{restore.pk}/change/").status_code == 200
    assert client.get("/admin/restore/stagedfile/").status_code == 200
