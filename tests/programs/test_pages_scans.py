"""The scans page: operators start a scan from it."""

import pytest

pytestmark = pytest.mark.django_db


def test_operators_start_a_scan_from_the_scans_page(
    client, operator, scientist, django_capture_on_commit_callbacks
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
