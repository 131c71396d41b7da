"""Issue 15's race: an operator and the FSSC agreeing at the same moment both count; the target
state is decided on the locked row, so the switchover ends agreed by both every time."""

import datetime
import threading

import pytest
from django.db import connection

from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.models import Switchover
from tests.factories import SYSTEM

from .conftest import L1_SWITCH, RUNS, make_campaign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RACES = 20
L1_FROM = {**L1_SWITCH, "l1_from": datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)}


def agree_together(switchover, actors) -> list[BaseException]:
    start, errors = threading.Barrier(len(actors)), []

    def agree(actor):
        try:
            start.wait()
            services.agree_switchover(Switchover.objects.get(pk=switchover.pk), actor)
        except BaseException as error:  # reported to the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=agree, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_simultaneous_operator_and_fssc_agreement_ends_agreed_every_time(operator, fssc):
    services.generate_demo_magic7(RUNS[:1], 60.0, SYSTEM)
    campaign = make_campaign(runs=RUNS[:1])
    actors = [Actor.of_user(operator), Actor.of_user(fssc)]
    outcomes = []
    for race in range(RACES):
        switchover = services.propose_switchover(
            campaign, datetime.date(2026, 12, 1) + datetime.timedelta(days=race), SYSTEM, **L1_FROM
        )
        assert agree_together(switchover, actors) == []
        switchover.refresh_from_db()
        sides = sorted(switchover.transitions.values_list("details__side", flat=True))
        outcomes.append((switchover.state, sides))
    assert outcomes == [("agreed", ["fssc", "operator"])] * RACES
