"""The BTI sets API: operators submit new versions; a bad set is a 400 with the reason."""

import pytest

from .conftest import RUNS

pytestmark = pytest.mark.django_db
RUN = RUNS[0]


def interval(start, stop, value):
    return {"start": RUN + start, "stop": RUN + stop, "value": value}


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("scientist", 403), ("operator", 201)])
def test_operators_submit_bti_sets_through_the_api(magic7_runs, client_as, role, expected):
    client = client_as(role)
    response = client.post(
        "/api/bti-sets/",
        {"run_id": RUN, "reason": "flare", "intervals": [interval(0, 60, -1)]},
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert body["version"] == 1 and body["active"] is True and body["intervals"][0]["value"] == -1
        listed = client.get("/api/bti-sets/", {"run_id": RUN}).json()
        assert listed["count"] == 1


def test_bad_bti_submission_is_a_400_with_the_reason(magic7_runs, client_as):
    response = client_as("operator").post(
        "/api/bti-sets/", {"run_id": RUN, "intervals": [interval(60, 0, 1)]}, format="json"
    )
    assert response.status_code == 400
    assert "is not after start" in response.json()["detail"]
    assert response.json()["code"] == "bti_set_refused"


@pytest.mark.parametrize(
    "body",
    [
        {"run_id": RUN, "intervals": [interval(0, 60, 4943003244137)]},  # DATA_QUAL is 16 bits
        {"run_id": RUN, "intervals": [interval(0, 60, -(2**15) - 1)]},
        {"run_id": 2**64, "intervals": [interval(0, 60, 1)]},
    ],
)
def test_numbers_beyond_what_the_file_and_the_database_hold_are_a_400(magic7_runs, client_as, body):
    response = client_as("operator").post("/api/bti-sets/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
