"""Running the steps: each acts only from the state it expects, so a step delivered again
changes nothing."""

import pytest

from l2portal.ledger.models import Product
from l2portal.ledger.services import Actor
from restore import services
from tests.restore.conftest import X80E

ACTOR = Actor.system("test")


@pytest.mark.django_db(transaction=True)
def test_steps_delivered_again_change_nothing(scientist, run_restore):
    restore = run_restore(X80E, scientist)
    for step in (services.check, services.stage, services.prepare, services.run):
        services.run_step(step, restore.pk, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "restored" and restore.transitions.count() == 5
    assert Product.objects.filter(product_type="restore_ppr").count() == 1
