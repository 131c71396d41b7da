"""The scans API: operators start a scan; without a store it says what to set, and starts nothing."""

import pytest

from l2portal.ledger.models import LedgerEvent, TaskIntent

pytestmark = pytest.mark.django_db


def test_api_scan_action_is_for_operators(loaded, scientist, operator, client, store):
    client.force_login(scientist)
    assert client.post("/api/scans/run/", {}, content_type="application/json").status_code == 403
    client.force_login(operator)
    assert client.post("/api/scans/run/", {}, content_type="application/json").status_code == 202


def test_without_a_store_a_scan_is_refused_with_what_to_do(operator, client, settings):
    settings.METADATA_STORE_URL = ""
    client.force_login(operator)
    response = client.post("/api/scans/run/", {"proposal_id": "pid_1_100"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "no_metadata_store"
    assert response.json()["message"] == (
        "cannot scan proposal pid_1_100: no metadata store is configured: set METADATA_STORE_URL, or scan "
        "files with manage.py scan_metadata --file F.json"
    )
    assert not TaskIntent.objects.exists() and LedgerEvent.objects.filter(kind="no_metadata_store").exists()


def test_a_body_nested_without_end_or_holding_a_nul_is_a_400_never_a_500(operator, client):
    client.force_login(operator)
    deep = client.post("/api/scans/run/", "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert deep.status_code == 400 and "nested too deep" in deep.json()["detail"]
    nul = client.post("/api/scans/run/", '{"proposal_id": "pid\\u0000"}', content_type="application/json")
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]
    assert not TaskIntent.objects.exists()
