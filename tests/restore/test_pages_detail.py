"""The page of one restore (/restores/<id>/): its live part, the PPR, and the Cancel button."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, transition
from restore.models import RestoreRequest
from tests.restore.conftest import X80E

SYSTEM = Actor.system("test")


@pytest.mark.django_db
def test_live_part_polls_until_the_state_changes(client, scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    client.force_login(scientist)
    live = client.get(f"/restores/{restore.pk}/live/?state=requested")
    assert live.status_code == 200 and 'hx-trigger="every 2s"' in live.content.decode()
    transition(restore, "checked", SYSTEM, "ok")
    changed = client.get(f"/restores/{restore.pk}/live/?state=requested")
    assert changed.status_code == 204 and changed["HX-Refresh"] == "true"
    assert client.get(f"/restores/{restore.pk}/ppr.xml").status_code == 404


@pytest.mark.django_db
def test_cancel_button(client, scientist, operator):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    client.force_login(scientist)
    assert "Cancel this restore" not in client.get(f"/restores/{restore.pk}/").content.decode()
    refused = client.post(f"/restores/{restore.pk}/cancel/", follow=True)
    assert refused.redirect_chain == [(f"/restores/{restore.pk}/", 302)]
    assert "ask an operator" in refused.content.decode()
    restore.refresh_from_db()
    assert restore.state == "requested"
    assert LedgerEvent.objects.filter(kind="not_permitted", subject_id=str(restore.pk)).exists()
    client.force_login(operator)
    assert "Cancel this restore" in client.get(f"/restores/{restore.pk}/").content.decode()
    client.post(f"/restores/{restore.pk}/cancel/")
    restore.refresh_from_db()
    assert restore.state == "cancelled"


@pytest.mark.django_db
def test_cancelling_an_ended_restore_is_refused_on_its_page(client, operator):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    transition(restore, "not_restorable", SYSTEM)
    client.force_login(operator)
    refused = client.post(f"/restores/{restore.pk}/cancel/", follow=True)
    assert refused.redirect_chain == [(f"/restores/{restore.pk}/", 302)]
    assert "cannot move from &#x27;not_restorable&#x27;" in refused.content.decode()
    restore.refresh_from_db()
    assert restore.state == "not_restorable"


@pytest.mark.django_db
def test_page_query_count_does_not_grow_with_data(client, operator, with_staged_files):
    client.force_login(operator)
    small = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    with_staged_files(small, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/restores/{small.pk}/")
    big = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    with_staged_files(big, 30)
    transition(big, "staged", SYSTEM)
    with CaptureQueriesContext(connection) as many:
        client.get(f"/restores/{big.pk}/")
    assert len(many) == len(few)
