"""The programs API: lists and filters, actions answered by the services (roles, refusals)."""

import pytest

from l2portal.programs import services
from l2portal.programs.models import ObservingProgram, QualificationRuleSet
from l2portal.programs.standins import synthetic
from tests.factories import SYSTEM
from tests.programs.conftest import (
    assert_queries_do_not_grow_with_programs,
    current_visp_ids,
    inversion_files,
    invertible,
)

pytestmark = pytest.mark.django_db
JSON = "application/json"  # the API's bodies


@pytest.mark.parametrize("url", ["/api/programs/", "/api/programs/?instrument=VISP&ordering=-priority"])
def test_query_count_does_not_grow_with_programs(client, scientist, url):
    assert_queries_do_not_grow_with_programs(client, scientist, url)


def test_list_filters(client, loaded, scientist):
    client.force_login(scientist)
    api = client.get("/api/programs/?state=invertible&proposal=pid_1_100").json()
    assert sorted(p["execution_id"] for p in api["results"]) == [
        synthetic.program_id_for(0),
        synthetic.program_id_for(8),
    ]
    # All but VBI-only and the three that observe beside Na I (low_health, off_disk, no_fe_line).
    assert client.get("/api/programs/?spectral_line=Na I 589").json()["count"] == 6
    assert client.get("/api/programs/?spectral_line=Fe I 630").json()["count"] == 8  # and no_fe_line


def test_api_actions_check_roles(preprocessed, scientist, operator, other_scientist, client):
    url = f"/api/programs/{preprocessed.pk}"
    client.force_login(operator)
    assert client.post(f"{url}/claim/").status_code == 403
    client.force_login(scientist)
    assert client.post(f"{url}/reassign/", {"username": "marie"}, content_type=JSON).status_code == 403
    assert client.post(f"{url}/publish/").status_code == 403
    assert client.post(f"{url}/priority/", {"priority": 5}, content_type=JSON).status_code == 403
    response = client.post(f"{url}/claim/")
    assert response.status_code == 200 and response.json()["owner"] == "scientist"
    assert response.json()["state"] == "working"
    client.force_login(other_scientist)
    assert client.post(f"{url}/claim/").status_code == 409
    assert client.post(f"{url}/release/").status_code == 403
    client.force_login(operator)
    assert (
        client.post(f"{url}/reassign/", {"username": "marie"}, content_type=JSON).json()["owner"] == "marie"
    )
    assert client.post(f"{url}/priority/", {"priority": 7}, content_type=JSON).json()["priority"] == 7
    assert client.post(f"{url}/publish/").status_code == 409
    history = client.get(f"{url}/history/")
    assert history.json()["results"][-1]["to_state"] == "working"


def test_refusals_answer_code_message_and_details(preprocessed, scientist, other_scientist, client):
    url = f"/api/programs/{preprocessed.pk}"
    client.force_login(scientist)
    client.post(f"{url}/claim/")
    client.force_login(other_scientist)
    body = client.post(f"{url}/claim/").json()
    assert body["code"] == "claim_refused" and body["detail"] == body["message"]
    assert "already claimed by scientist" in body["message"] and body["details"] == {"state": "working"}


def test_api_upload_by_the_owner(working, scientist, client, tmp_path):
    client.force_login(scientist)
    with inversion_files(tmp_path, working) as files:
        body = {**files, "dataset_ids": current_visp_ids(working), "software_commit": "abcdef1"}
        response = client.post(f"/api/programs/{working.pk}/upload/", body)
    assert response.status_code == 201, response.content
    assert response.json()["software_commit"] == "abcdef1"
    assert ObservingProgram.objects.get(pk=working.pk).state == "inverted"


def test_bad_upload_is_a_bad_request_listing_the_problems(working, scientist, client, tmp_path):
    client.force_login(scientist)
    with inversion_files(tmp_path, working) as files:
        body = {**files, "dataset_ids": ["NOPE"], "software_commit": "tip"}
        response = client.post(f"/api/programs/{working.pk}/upload/", body)
    assert response.status_code == 400 and response.json()["code"] == "upload_refused"
    assert len(response.json()["details"]["problems"]) == 2
    assert ObservingProgram.objects.get(pk=working.pk).state == "working"


def test_rules_from_the_database_and_requalify(loaded, operator, scientist, client):
    program = invertible(0)
    assert program.qualification["checks"]["health"]["threshold"] == 0.75
    QualificationRuleSet.objects.create(name="strict health", rules={"min_health_good_fraction": 0.95})
    client.force_login(scientist)
    assert client.post(f"/api/programs/{program.pk}/requalify/").status_code == 403
    client.force_login(operator)
    body = client.post(f"/api/programs/{program.pk}/requalify/").json()
    assert body["state"] == "not_invertible" and body["rules_version"].endswith("strict health")
    assert body["qualification"]["checks"]["health"] == {
        "passed": False,
        "value": body["qualification"]["checks"]["health"]["value"],
        "threshold": 0.95,
        "detail": body["qualification"]["checks"]["health"]["detail"],
    }


def test_an_errored_program_says_why_in_the_api(loaded, scientist, client):
    program = invertible(0)
    services.run_preprocess(program.pk, SYSTEM)  # no L1 source: fails
    client.force_login(scientist)
    listed = {p["execution_id"]: p for p in client.get("/api/programs/?state=error").json()["results"]}
    reason = listed[program.execution_id]["failure_reason"]
    assert (
        reason.startswith("preprocessing failed: cannot copy") and reason == program.transitions.last().reason
    )
    assert client.get(f"/api/programs/{invertible(8).pk}/").json()["failure_reason"] is None
    transfers = client.get(f"/api/programs/{program.pk}/transfers/").json()["results"]
    assert transfers[0]["status"] == "failed" and transfers[0]["error"] in reason


def test_a_programs_inversions_are_a_page_as_the_schema_documents(client, inverted, scientist):
    client.force_login(scientist)
    answer = client.get(f"/api/programs/{inverted.pk}/inversions/", {"page_size": 1}).json()
    assert answer["count"] == 1 and len(answer["results"]) == 1
    assert answer["results"][0]["software_commit"] == "3f9c2ab"
