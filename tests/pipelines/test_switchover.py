"""The switchover as a use case: who may propose, agree (on which side), complete and cancel."""

import datetime

import pytest

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.models import ReprocessingCampaign
from tests.factories import SYSTEM

from .conftest import RUNS, make_campaign

pytestmark = pytest.mark.django_db
DATE = datetime.date(2026, 12, 1)
L1 = {"l1_software": "GlastRelease 20-10-04", "l1_from": datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)}


@pytest.fixture
def campaign(magic7_runs):
    return make_campaign(runs=RUNS[:1])


def test_the_side_that_agrees_is_the_actors_role(campaign, operator, fssc):
    switchover = services.propose_switchover(
        campaign, DATE, Actor.of_user(operator), "P310 goes public", **L1
    )
    assert (switchover.state, switchover.proposed_by) == ("proposed", "operator")
    row = services.agree_switchover(switchover, Actor.of_user(fssc))
    assert (row.to_state, row.details["side"], row.actor) == ("fssc_agreed", "fssc", "fssc")
    row = services.agree_switchover(switchover, Actor.of_user(operator))
    assert (row.to_state, row.details["side"]) == ("agreed", "operator")
    with pytest.raises(services.SwitchoverNotReady) as refused:
        services.complete_switchover(switchover, Actor.of_user(operator))
    missing = [
        "campaign validated",
        "L1 software switched",
        "backfill done",
        "every run ingested at the FSSC",
    ]
    assert refused.value.details["missing"] == missing
    message = refused.value.message
    assert all(f"{name}: " in message for name in missing)
    assert "campaign P310 is Defined" in message and "no backfill pass yet" in message
    assert f"1 runs not ingested yet: r0{RUNS[0]}" in message
    switchover.refresh_from_db()
    assert switchover.state == "agreed"
    assert ReprocessingCampaign.objects.get(pk=campaign.pk).state == "defined"
    assert LedgerEvent.objects.filter(kind="switchover_not_ready").count() == 1


def test_the_portal_itself_agrees_as_the_operators(campaign):
    switchover = services.propose_switchover(campaign, DATE, SYSTEM, **L1)
    assert services.agree_switchover(switchover, SYSTEM).to_state == "operator_agreed"


def test_only_operators_steer_and_only_operators_or_the_fssc_agree(campaign, operator, fssc, scientist):
    with pytest.raises(NotPermitted, match="only operators may propose switchovers"):
        services.propose_switchover(campaign, DATE, Actor.of_user(fssc), **L1)
    switchover = services.propose_switchover(campaign, DATE, Actor.of_user(operator), **L1)
    with pytest.raises(NotPermitted, match="only operators or fsscs may agree"):
        services.agree_switchover(switchover, Actor.of_user(scientist))
    for step in (services.complete_switchover, services.cancel_switchover):
        with pytest.raises(NotPermitted):
            step(switchover, Actor.of_user(fssc))
    switchover.refresh_from_db()
    assert switchover.state == "proposed" and not switchover.transitions.exists()
    assert LedgerEvent.objects.filter(kind="not_permitted").count() == 4
    services.cancel_switchover(switchover, Actor.of_user(operator))
    assert switchover.transitions.get().reason == "cancelled"
