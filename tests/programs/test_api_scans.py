"""The scans API: operators start a scan."""

import pytest

pytestmark = pytest.mark.django_db


def test_api_scan_action_is_for_operators(loaded, scientist, operator, client, settings):
    client.force_login(scientist)
    assert client.post("/api/scans/run/", {}, content_type="application/json").status_code == 403
    client.force_login(operator)
    settings.METADATA_STORE_URL = ""
    assert client.post("/api/scans/run/", {}, content_type="application/json").status_code == 202
