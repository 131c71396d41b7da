"""Any tracked object's retry from the page it is shown on, and its live part: only operators
retry, only an object in Error; a refusal leaves the state as it was and is recorded; htmx hears
the refusal's status. The message says what the retry did."""

import pytest

from l2portal.ledger import services
from l2portal.ledger.models import LedgerEvent
from tests.factories import SYSTEM, program
from tests.registry.pages_data import failed_run

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _retry_url(obj) -> str:
    return f"/registry/objects/{obj._meta.label_lower}/{obj.pk}/retry/"


def test_an_operator_retries_a_failed_object_and_is_told_what_happened(client, operator):
    subject, run = failed_run()
    client.force_login(operator)
    answer = client.post(_retry_url(subject), {"next": f"/registry/executions/{run.pk}/"}, follow=True)
    assert answer.redirect_chain[-1][0] == f"/registry/executions/{run.pk}/"
    subject.refresh_from_db()
    assert subject.state == "discovered"
    message = " ".join(str(m) for m in answer.context["messages"])
    assert message.startswith("Observing program") and "sent back to Discovered" in message
    assert "no step runs by itself from there" in message  # nothing was queued, so none is claimed


def test_without_the_operator_role_the_retry_is_refused_and_recorded(client, scientist):
    subject, _ = failed_run()
    client.force_login(scientist)
    answer = client.post(_retry_url(subject), **HTMX)
    assert answer.status_code == 403 and "only operators may retry" in answer.content.decode()
    subject.refresh_from_db()
    assert subject.state == "error"
    assert LedgerEvent.objects.filter(kind="not_permitted", actor="scientist").count() == 1
    plain = client.post(_retry_url(subject))  # a plain form: back where it came from, with the message
    assert plain.status_code == 302
    subject.refresh_from_db()
    assert subject.state == "error"


def test_an_object_not_in_error_is_not_retried(client, operator):
    subject = program("eid_fine")
    services.transition(subject, "invertible", SYSTEM)
    client.force_login(operator)
    answer = client.post(_retry_url(subject), **HTMX)
    assert answer.status_code == 409
    subject.refresh_from_db()
    assert subject.state == "invertible"
    refusal = LedgerEvent.objects.get(actor="operator")
    assert refusal.kind == "transition_refused" and refusal.subject_id == str(subject.pk)


def test_only_tracked_objects_are_reached(client, operator):
    client.force_login(operator)
    assert client.post("/registry/objects/auth.user/1/retry/").status_code == 404
    assert client.post("/registry/objects/programs.observingprogram/999999/retry/").status_code == 404
    assert client.get(_retry_url(program("eid_get"))).status_code == 405


def test_the_live_part_follows_the_state_and_asks_for_a_reload_once_it_moves(client, operator):
    subject = program("eid_live")
    services.transition(subject, "invertible", SYSTEM)
    client.force_login(operator)
    url = f"/registry/objects/programs.observingprogram/{subject.pk}/live/"
    part = client.get(url, {"seen": "invertible"})
    assert part.status_code == 200 and 'class="badge state-invertible"' in part.content.decode()
    assert "hx-trigger" in part.content.decode()  # Invertible has a step to run: it keeps asking
    services.fail(subject, SYSTEM, "broken")
    moved = client.get(url, {"seen": "invertible"})
    assert moved.status_code == 204 and moved["HX-Refresh"] == "true"
