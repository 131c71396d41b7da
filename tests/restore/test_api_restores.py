"""The restore API (/api/restores/): roles, shapes, PPR, log, timeline, cancel, filters."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, transition
from restore import services
from restore.models import RestoreRequest
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
    assert APIClient().post("/api/restores/", {"mous_uid": X80E}, format="json").status_code == 401
    assert APIClient().get("/api/restores/").status_code == 401
    response = client_for(fssc, token=True).post("/api/restores/", {"mous_uid": X80E}, format="json")
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
    assert detail["plan"]["route"] == "script" and "fixsyscaltimes" in detail["plan"]["route_reason"]
    assert detail["ppr"] is None
    assert detail["restore_script"]["path"].endswith(f"casa_restore_restores_request-{restore_id}.py")
    assert detail["software"] == services.software() and detail["product_store"]
    assert [step["state"] for step in detail["timeline"]][-1] == "restored"
    assert all(step["at"] for step in detail["timeline"])
    assert len(detail["staged_files"]) == 11 and detail["exit_code"] == 0
    assert {output["product_type"] for output in detail["outputs"]} == {
        "restore_ms_listing",
        "restore_weblog",
        "restore_log",
    }
    assert len(detail["weblogs"]) == 2
    assert detail["weblogs"][0]["page"].startswith(f"/restores/{restore_id}/weblog/pipeline-")

    assert client_for(person).get(f"/api/restores/{restore_id}/ppr/").status_code == 404
    script = client_for(person).get(f"/api/restores/{restore_id}/script/")
    assert script.status_code == 200 and script["Content-Type"].startswith("text/x-python")
    assert b"fixsyscaltimes(vis='uid___A002_Xcf92df_X3453.ms')" in script.content
    download = client_for(person).get(f"/api/restores/{restore_id}/script/?download=1")
    assert "attachment" in download["Content-Disposition"]

    listing = next(output for output in detail["outputs"] if output["product_type"] == "restore_ms_listing")
    assert listing["download"] == f"/api/restores/{restore_id}/outputs/{listing['id']}/"
    whole = client_for(person).get(listing["download"])
    assert whole.status_code == 200 and int(whole["Content-Length"]) == listing["size"]
    part = client_for(person).get(listing["download"], HTTP_RANGE="bytes=0-9")
    assert (
        part.status_code == 206 and b"".join(part.streaming_content) == b"".join(whole.streaming_content)[:10]
    )
    assert client_for(person).get(f"/api/restores/{restore_id}/outputs/999999/").status_code == 404

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


@pytest.mark.django_db
def test_a_duplicate_answers_409_with_the_existing_restore(scientist, parked):
    response = client_for(scientist).post("/api/restores/", {"mous_uid": X80E}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert (
        body["code"] == "restore_duplicate" and f"already being restored as #{parked.pk}" in body["message"]
    )
    assert body["details"]["url"] == f"/api/restores/{parked.pk}/"
    assert client_for(scientist).get(body["details"]["url"]).json()["id"] == parked.pk
    assert RestoreRequest.objects.count() == 1
    again = client_for(scientist).post("/api/restores/", {"mous_uid": X80E, "again": True}, format="json")
    assert again.status_code == 201 and again.json()["id"] != parked.pk


@pytest.mark.django_db
def test_only_operators_force_the_ppr_route(scientist, operator):
    refused = client_for(scientist).post(
        "/api/restores/", {"mous_uid": X80E, "force_ppr": True}, format="json"
    )
    assert refused.status_code == 403 and "force the PPR route" in refused.json()["message"]
    accepted = client_for(operator).post(
        "/api/restores/", {"mous_uid": X80E, "force_ppr": True}, format="json"
    )
    assert accepted.status_code == 201 and accepted.json()["force_ppr"] is True
