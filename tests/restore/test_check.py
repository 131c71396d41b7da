"""The archive check: can we restore? Answered before anything is downloaded."""

import pytest
from django.core import mail

from l2portal.ledger.execution import TransientError
from l2portal.ledger.models import Product
from l2portal.ledger.services import Actor
from restore import selectors, services
from restore.models import RestoreRequest, StagedFile
from tests.restore.conftest import X80E

ACTOR = Actor.system("test")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("uid", "reason"),
    [("uid://A001/X1465/X1b10", "never calibrated"), ("uid://A001/X1465/X1c10", "calibrated manually")],
)
def test_not_restorable_stops_before_any_download(scientist, run_restore, uid, reason, data_root):
    restore = run_restore(uid, scientist)
    assert restore.state == "not_restorable"
    assert restore.restorable is False and reason in restore.restorable_reason
    assert not StagedFile.objects.exists()
    assert restore.layout_root == "" and not (data_root / "restores").exists()  # nothing laid out
    assert [step["state"] for step in selectors.timeline(restore)] == ["requested", "not_restorable"]
    assert not Product.objects.exists()
    assert "Not restorable" in mail.outbox[0].subject


@pytest.mark.django_db
def test_an_unreachable_store_is_retried_then_the_request_fails(scientist, settings):
    settings.RESTORE_PRODUCT_STORE = "http://127.0.0.1:9/"  # nothing listens on the discard port
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    with pytest.raises(TransientError, match="Connection refused"):
        services.run_step(services.check, restore.pk, ACTOR, last_attempt=False)
    restore.refresh_from_db()
    assert restore.state == "requested"  # the task retries later
    with pytest.raises(TransientError):
        services.run_step(services.check, restore.pk, ACTOR, last_attempt=True)
    restore.refresh_from_db()
    assert restore.state == "error"
    assert "gave up after repeated failures: GET http://127.0.0.1:9/" in restore.transitions.get().reason
