"""The restore admin: read-only pages and the Cancel action, which goes through the service."""

import pytest

from restore.models import RestoreRequest
from tests.factories import superuser
from tests.restore.conftest import X80E


@pytest.mark.django_db
def test_admin_cancel_action(client, scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    client.force_login(superuser())
    client.post(
        "/admin/restore/restorerequest/", {"action": "cancel_restores", "_selected_action": [restore.pk]}
    )
    restore.refresh_from_db()
    assert restore.state == "cancelled"
    assert client.get(f"/admin/restore/restorerequest/{restore.pk}/change/").status_code == 200
    assert client.get("/admin/restore/stagedfile/").status_code == 200
