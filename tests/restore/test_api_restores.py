"""The restore API (/api/restores/): roles, shapes, PPR, log, timeline, cancel, filters."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, transition
from restore.models import RestoreRequest
from restore.ppr import read_ppr
from tests.restore.conftest import X80E

SYSTEM = Actor.system("test")


def client_for(person=None, token=False):
    client = APIClient()
    if person is not None and token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=person)[0].key}")
    elif person is not None:
        client.force_authenticate(person)
    return client


@pytest.fixture
def parked(db, scientist):
    """A request whose check has not run yet (its task is queued)."""
    return RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)


@pytest.mark.django_db
def test_anonymous_gets_401_and_fssc_403(fssc):
    assert APIClient().post("/api/restores/", {"mous_uid": X80E}).status_code == 401
    assert APIClient().get("/api/restores/").status_code == 401
    response = client_for(fssc, token=True).post("/api/restores/", {"mous_uid": X80E})
    assert response.status_code == 403
    assert not RestoreRequest.objects.exists()
    assert client_for(fssc, token=True).get("/api/restores/").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["scientist", "operator"])
def test_scientists_and_operators_request_a_restore(role, request):
    person = request.getfixturevalue(role)
    response = client_for(person).post("/api/restores/", {"mous_uid": X80E}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mous_uid"] == X80E and body["requested_by"] == person.username
    # The eager tasks ran the whole restore before the response was built.
    assert body["state"] == "restored" and body["restorable"] is True
    restore_id = body["id"]

    detail = client_for(person).get(f"/api/restores/{restore_id}/").json()
    assert {row["eb_uid"] for row in detail["sessions_table"]} == {
        "uid://A002/Xce574d/Xa33e",
        "uid://A002/Xcf92df/X3453",
    }
    assert set(detail["sessions_table"][0]) == {
        "eb_uid",
        "qa0_status",
        "ous_status_session",
        "manifest_session",
        "in_manifest",
        "ppr_session",
        "in_dataset",
    }
    assert detail["warnings"] and detail["plan"]["project_code"] == "2017.1.01347.S"
    assert detail["ppr"]["path"].endswith(f"PPR_restores_request-{restore_id}.xml")
    assert [step["state"] for step in detail["timeline"]][-1] == "restored"
    assert all(step["at"] for step in detail["timeline"])
    assert len(detail["staged_files"]) == 11 and detail["exit_code"] == 0
    assert any(output["name"].startswith("working/pipeline-") for output in detail["outputs"])

    ppr = client_for(person).get(f"/api/restores/{restore_id}/ppr/")
    assert ppr.status_code == 200 and ppr["Content-Type"] == "application/xml"
    assert read_ppr(ppr.content).proposal_code == "2017.1.01347.S"
    download = client_for(person).get(f"/api/restores/{restore_id}/ppr/?download=1")
    assert "attachment" in download["Content-Disposition"]

    log = client_for(person).get(f"/api/restores/{restore_id}/log/?lines=3").json()
    assert len(log["lines"]) == 3 and log["exit_code"] == 0
    timeline = client_for(person).get(f"/api/restores/{restore_id}/timeline/").json()
    assert timeline == detail["timeline"]
    history = client_for(person).get(f"/api/restores/{restore_id}/history/").json()
    assert [move["to_state"] for move in history["results"]][-1] == "restored"


@pytest.mark.django_db
def test_a_bad_uid_is_refused_with_a_reason_and_an_event(scientist):
    response = client_for(scientist).post("/api/restores/", {"mous_uid": "X80e; DROP TABLE"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "restore_refused" and "is not a member OUS uid" in body["message"]
    assert body["detail"] == body["message"] and body["details"] == {"mous_uid": "X80e; DROP TABLE"}
    assert not RestoreRequest.objects.exists()
    assert LedgerEvent.objects.get(kind="restore_refused").actor == "scientist"


@pytest.mark.django_db
def test_the_ppr_is_404_before_it_exists(scientist, parked):
    assert client_for(scientist).get(f"/api/restores/{parked.pk}/ppr/").status_code == 404
    assert client_for(scientist).get(f"/api/restores/{parked.pk}/log/").json()["lines"] == []


@pytest.mark.django_db
def test_cancel_roles(scientist, operator, fssc, parked):
    other = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    assert APIClient().post(f"/api/restores/{parked.pk}/cancel/").status_code == 401
    assert client_for(fssc, token=True).post(f"/api/restores/{parked.pk}/cancel/").status_code == 403
    # A scientist cancels their own restore, not someone else's; an operator cancels any.
    assert client_for(scientist).post(f"/api/restores/{other.pk}/cancel/").status_code == 403
    response = client_for(scientist).post(f"/api/restores/{parked.pk}/cancel/")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert client_for(operator).post(f"/api/restores/{other.pk}/cancel/").json()["state"] == "cancelled"
    again = client_for(operator).post(f"/api/restores/{parked.pk}/cancel/")
    assert again.status_code == 409 and "cannot move from 'cancelled'" in again.json()["detail"]


@pytest.mark.django_db
def test_cancelling_a_running_restore_asks_its_task_to_stop(operator, parked):
    for state in ("checked", "staged", "prepared", "running"):
        transition(parked, state, SYSTEM)
    body = client_for(operator).post(f"/api/restores/{parked.pk}/cancel/").json()
    assert body["state"] == "running" and body["cancel_requested"] is True
    assert LedgerEvent.objects.filter(kind="restore_cancel_requested").exists()


@pytest.mark.django_db
def test_list_is_filterable_and_its_query_count_does_not_grow(
    scientist, operator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    client = client_for(operator)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/restores/").json()["count"] == 1
    for n in range(10):
        restore = RestoreRequest.objects.create(mous_uid=f"uid://A001/X1/X{n}", requested_by=operator)
        transition(restore, "not_restorable", SYSTEM)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/restores/").json()["count"] == 11
    assert len(many) == len(few)
    assert client.get("/api/restores/?state=not_restorable").json()["count"] == 10
    assert client.get(f"/api/restores/?mous_uid={X80E}").json()["count"] == 1
    assert client.get("/api/restores/?requested_by=scientist").json()["count"] == 1
    assert client.get("/api/restores/?restorable=true").json()["count"] == 0
