"""The switchovers API: an operator proposes, the operator and the FSSC agree, the switch is made."""

import pytest

from pipelines.ft2 import selectors
from pipelines.models import ReprocessingCampaign

from .conftest import L1_SWITCH, RUNS, ingest_at_the_fssc, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_campaign(magic7_runs, django_capture_on_commit_callbacks):
    campaign = make_campaign(runs=RUNS[:2])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    return campaign


def test_switchover_is_proposed_by_an_operator_and_agreed_by_both_sides(
    ready_campaign, client_as, django_capture_on_commit_callbacks
):
    operator, fssc, scientist = client_as("operator"), client_as("fssc"), client_as("scientist")
    proposal = {"campaign": "P310", "proposed_date": "2026-12-01", "note": "P310 goes public", **L1_SWITCH}
    assert fssc.post("/api/switchovers/", proposal, format="json").status_code == 403
    without_l1 = operator.post("/api/switchovers/", {**proposal, "l1_software": ""}, format="json")
    assert without_l1.status_code == 400 and "l1_software" in without_l1.json()["details"]
    created = operator.post("/api/switchovers/", proposal, format="json")
    assert created.status_code == 201 and created.json()["state"] == "proposed"
    assert created.json()["l1_software"] == "GlastRelease 20-10-04"
    pk = created.json()["id"]
    assert scientist.post(f"/api/switchovers/{pk}/agree/").status_code == 403
    assert fssc.post(f"/api/switchovers/{pk}/done/").status_code == 403
    assert fssc.post(f"/api/switchovers/{pk}/agree/").json()["state"] == "fssc_agreed"
    again = fssc.post(f"/api/switchovers/{pk}/agree/")
    assert again.status_code == 409 and "fssc_agreed" in again.json()["detail"]
    assert operator.post(f"/api/switchovers/{pk}/agree/").json()["state"] == "agreed"
    refused = operator.post(f"/api/switchovers/{pk}/done/")
    assert refused.status_code == 409 and refused.json()["code"] == "switchover_not_ready"
    assert refused.json()["details"]["missing"] == [
        "L1 software switched",
        "backfill done",
        "every run ingested at the FSSC",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        backfill = operator.post(
            f"/api/campaigns/{ready_campaign.pk}/backfill/", {"last_run": RUNS[2]}, format="json"
        )
    assert backfill.status_code == 202 and backfill.json()["added"] == 1
    ingest_at_the_fssc(ready_campaign)
    assert operator.post(f"/api/switchovers/{pk}/l1-switch/").json()["state"] == "l1_switched"
    conditions = operator.get(f"/api/switchovers/{pk}/conditions/").json()
    assert [c["met"] for c in conditions] == [True, True, True, True], conditions
    done = operator.post(f"/api/switchovers/{pk}/done/", {"note": "switched at 09:00"}, format="json")
    assert done.json()["state"] == "done"
    history = operator.get(f"/api/switchovers/{pk}/history/").json()["results"]
    assert [h["to_state"] for h in history] == ["fssc_agreed", "agreed", "l1_switched", "done"]
    assert ReprocessingCampaign.objects.get(name="P310").state == "released"
    assert selectors.previous_ft2(RUNS[2]).one_second.collection.name == "P310"  # now FT2/current


def test_refusals_answer_with_their_code(ready_campaign, client_as):
    proposal = {"campaign": "P310", "proposed_date": "2026-12-01", **L1_SWITCH}
    refused = client_as("fssc").post("/api/switchovers/", proposal, format="json").json()
    assert refused["code"] == "not_permitted" and refused["details"]["roles"] == ["operator"]
    pk = client_as("operator").post("/api/switchovers/", proposal, format="json").json()["id"]
    cancelled = client_as("operator").post(
        f"/api/switchovers/{pk}/cancel/", {"note": "date moved"}, format="json"
    )
    assert cancelled.json()["state"] == "cancelled"
    again = client_as("operator").post(f"/api/switchovers/{pk}/cancel/").json()
    assert again["code"] == "transition_refused" and again["details"]["from_state"] == "cancelled"
