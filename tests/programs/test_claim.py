"""Who works on a program: claim, release and reassign through the services."""

import threading

import pytest
from django.db import connection

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted, Refused
from l2portal.ledger.roles import SCIENTIST
from l2portal.ledger.services import Actor
from l2portal.programs import services
from l2portal.programs.models import ObservingProgram
from tests.factories import user
from tests.programs.conftest import invertible

pytestmark = pytest.mark.django_db


def test_claim_release_and_reassign(preprocessed, scientist, other_scientist, operator):
    as_scientist, as_marie, as_operator = (Actor.of_user(u) for u in (scientist, other_scientist, operator))
    services.claim(preprocessed, as_scientist)
    preprocessed.refresh_from_db()
    assert (preprocessed.state, preprocessed.owner) == ("working", scientist)
    with pytest.raises(services.ClaimRefused, match="already claimed by scientist"):
        services.claim(preprocessed, as_marie)
    with pytest.raises(NotPermitted):
        services.release(preprocessed, as_marie)
    services.reassign(preprocessed, "marie", as_operator)
    preprocessed.refresh_from_db()
    assert preprocessed.owner == other_scientist and preprocessed.state == "working"
    assert LedgerEvent.objects.filter(kind="program_reassigned").exists()
    services.release(preprocessed, as_marie)
    preprocessed.refresh_from_db()
    assert (preprocessed.state, preprocessed.owner) == ("preprocessed", None)
    with pytest.raises(Refused, match="not a scientist"):
        services.reassign(preprocessed, "operator", as_operator)
    assert [t.to_state for t in preprocessed.transitions.all()][-3:] == [
        "preprocessed",
        "working",
        "preprocessed",
    ]


def test_claim_refused_for_other_states_and_roles(loaded, scientist, operator):
    with pytest.raises(services.ClaimRefused, match="not Preprocessed"):
        services.claim(invertible(0), Actor.of_user(scientist))
    with pytest.raises(NotPermitted):
        services.claim(invertible(0), Actor.of_user(operator))
    assert invertible(0).state == "invertible"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_claims_leave_one_owner(preprocessed):
    scientists = [user(f"sci{n}", SCIENTIST) for n in range(20)]
    barrier = threading.Barrier(len(scientists))
    outcomes = []

    def attempt(person):
        try:
            barrier.wait()
            program = ObservingProgram.objects.get(pk=preprocessed.pk)
            services.claim(program, Actor.of_user(person))
            outcomes.append(("won", person.username))
        except Refused as error:
            outcomes.append(("refused", str(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in scientists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for outcome, name in outcomes if outcome == "won"]
    assert len(outcomes) == 20 and len(winners) == 1
    program = ObservingProgram.objects.get(pk=preprocessed.pk)
    assert program.state == "working" and program.owner.username == winners[0]
    assert program.transitions.filter(to_state="working").count() == 1
