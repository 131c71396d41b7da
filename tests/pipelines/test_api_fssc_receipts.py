"""FSSC receipts are idempotent: the same receipt sent again (a client retrying after a timeout) is
answered 200 with the receipt recorded the first time and changes nothing; a different receipt for
a stage already recorded is refused with 409 and its code, recorded as an event."""

import pytest

from l2portal.ledger.models import LedgerEvent
from pipelines.models import FsscDelivery

from .conftest import RUNS, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(magic7_runs, django_capture_on_commit_callbacks):
    run_campaign(make_campaign(runs=RUNS[:1]), django_capture_on_commit_callbacks)
    return FsscDelivery.objects.select_related("product").first()


def _send(client, delivery, **receipt):
    return client.post(f"/api/fssc/products/{delivery.pk}/report/", receipt, format="json")


def test_the_same_receipt_again_is_answered_with_the_recorded_one(delivery, fssc_client):
    sha = delivery.product.sha256
    first = _send(fssc_client, delivery, stage="transfer", result="ok", sha256=sha)
    assert first.status_code == 200 and first.json()["state"] == "transferred"
    again = _send(fssc_client, delivery, stage="transfer", result="ok", sha256=sha.upper())
    assert again.status_code == 200
    assert again.json()["receipt"] == first.json()["receipt"]
    assert again.json()["receipt"] | {"recorded_at": None} == {
        "stage": "transfer",
        "result": "ok",
        "sha256": sha,
        "message": "FSSC transfer ok",
        "state": "transferred",
        "recorded_at": None,
    }
    assert delivery.transitions.count() == 1  # nothing recorded twice
    # After the ingest, a late retry of the transfer's receipt is still the recorded one.
    assert _send(fssc_client, delivery, stage="ingest", result="ok", sha256=sha).json()["state"] == "ingested"
    late = _send(fssc_client, delivery, stage="transfer", result="ok", sha256=sha)
    assert late.status_code == 200 and late.json()["state"] == "ingested"
    assert late.json()["receipt"] == first.json()["receipt"]
    assert delivery.transitions.count() == 2


def test_a_different_receipt_for_a_recorded_stage_is_refused(delivery, fssc_client):
    sha = delivery.product.sha256
    _send(fssc_client, delivery, stage="transfer", result="ok", sha256=sha)
    _send(fssc_client, delivery, stage="ingest", result="ok", sha256=sha)
    response = _send(fssc_client, delivery, stage="ingest", result="failed", message="header rejected")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "fssc_receipt_conflict"
    assert "already recorded" in body["message"] and "stays ingested" in body["message"]
    assert body["details"]["recorded"]["result"] == "ok" and body["details"]["sent"]["result"] == "failed"
    delivery.refresh_from_db()
    assert delivery.state == "ingested" and delivery.transitions.count() == 2
    assert LedgerEvent.objects.get(kind="fssc_receipt_conflict").subject_id == str(delivery.pk)


def test_a_repeated_failure_is_one_receipt_and_a_new_pull_after_it_is_taken(delivery, fssc_client):
    sha = delivery.product.sha256
    failed = {"stage": "ingest", "result": "failed", "message": "header rejected"}
    assert _send(fssc_client, delivery, stage="transfer", result="ok", sha256=sha).status_code == 200
    assert _send(fssc_client, delivery, **failed).json()["state"] == "failed"
    assert _send(fssc_client, delivery, **failed).status_code == 200
    assert delivery.transitions.count() == 2
    # The FSSC pulls the file again: the same transfer receipt as before is a new one now.
    again = _send(fssc_client, delivery, stage="transfer", result="ok", sha256=sha)
    assert again.status_code == 200 and again.json()["state"] == "transferred"
    assert delivery.transitions.count() == 3
