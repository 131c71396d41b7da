"""Running the steps through the ledger's step runner: each acts only from the state it expects, so
a step delivered again changes nothing; whatever a step raises ends in Error with its reason, and the
requester is told."""

import pytest
from django.core import mail

from l2portal.ledger.services import Actor
from l2portal.registry.models import Product
from restore import services
from restore.models import RestoreRequest
from tests.restore.conftest import X80E

ACTOR = Actor.system("test")


@pytest.mark.django_db(transaction=True)
def test_steps_delivered_again_change_nothing(scientist, run_restore):
    restore = run_restore(X80E, scientist)
    for step in (services.check, services.stage, services.prepare, services.run):
        services.run_restore_step(restore.pk, step, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "restored" and restore.transitions.count() == 5
    assert Product.objects.filter(product_type="restore_restore_script").count() == 1


@pytest.mark.django_db
def test_an_unexpected_error_reaches_error_and_tells_the_requester(scientist, monkeypatch):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)

    def broken(request, actor):
        raise KeyError("surprise")

    services.run_restore_step(restore.pk, broken, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "error"
    assert restore.transitions.get().reason == "unexpected KeyError: 'surprise'"
    assert restore.progress_note == "unexpected KeyError: 'surprise'"
    assert "Error" in mail.outbox[-1].subject and "retry" in mail.outbox[-1].body
