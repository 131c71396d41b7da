"""The campaigns API: operators define, start and release campaigns; anyone signed in follows them."""

import pytest

from .conftest import RUNS

pytestmark = pytest.mark.django_db


def test_campaigns_are_created_started_and_followed_through_the_api(
    magic7_runs, django_capture_on_commit_callbacks, client_as
):
    operator = client_as("operator")
    assert client_as("scientist").post("/api/campaigns/", {"name": "P310"}, format="json").status_code == 403
    bad = operator.post("/api/campaigns/", {"name": "P310", "run_ids": [1]}, format="json")
    assert bad.status_code == 400 and "unknown data runs: 1" in bad.json()["detail"]
    assert bad.json()["code"] == "campaign_refused"
    created = operator.post(
        "/api/campaigns/", {"name": "P310", "first_run": RUNS[0], "last_run": RUNS[-1]}, format="json"
    )
    assert created.status_code == 201 and created.json()["runs_total"] == 3
    pk = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        started = operator.post(f"/api/campaigns/{pk}/start/")
    assert started.status_code == 202 and started.json()["queued"] == 3
    progress = operator.get(f"/api/campaigns/{pk}/progress/").json()
    assert (progress["done"], progress["failed"], progress["remaining"], progress["percent"]) == (
        3,
        0,
        0,
        100,
    )
    runs = operator.get("/api/campaign-runs/", {"campaign": "P310", "state": "ready"}).json()
    assert runs["count"] == 3 and runs["results"][0]["ft2_1s"]["path"].startswith("P310/gll_pt1s_p310_r")
    assert operator.get(f"/api/campaigns/{pk}/").json()["state"] == "validated"
    assert operator.post(f"/api/campaigns/{pk}/release/").json()["to_state"] == "released"
    again = operator.post(f"/api/campaigns/{pk}/release/")
    assert again.status_code == 409 and again.json()["code"] == "transition_refused"
