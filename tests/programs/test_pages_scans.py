"""The scans page: operators start a scan from it; without a store it says what to do instead."""

import pytest

pytestmark = pytest.mark.django_db


def test_operators_start_a_scan_from_the_scans_page(
    client, operator, scientist, store, django_capture_on_commit_callbacks
):
    client.force_login(scientist)
    assert "Scan the metadata store now" not in client.get("/programs/scans/").content.decode()
    with django_capture_on_commit_callbacks() as queued:
        client.post("/programs/scans/run/")
    assert queued == []
    client.force_login(operator)
    assert "Scan the metadata store now" in client.get("/programs/scans/").content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/programs/scans/run/", {"proposal_id": "pid_1_100"})
    assert response.status_code == 302 and len(queued) == 1


def test_without_a_store_the_page_says_what_to_set_instead_of_promising_a_scan(client, operator, settings):
    settings.METADATA_STORE_URL = ""
    client.force_login(operator)
    page = client.get("/programs/scans/").content.decode()
    assert "Scan the metadata store now" not in page
    assert "set METADATA_STORE_URL, or scan files with manage.py scan_metadata --file F.json" in page
    response = client.post("/programs/scans/run/", follow=True)
    assert "cannot scan the whole store: no metadata store is configured" in response.content.decode()
    assert "Scan of the whole store queued" not in response.content.decode()
