"""A program's notes and priority: notes are written by the scientist who claimed it and by
operators only, every change kept in its history with the notes as they were; a priority its
column cannot hold is refused."""

import pytest

from l2portal.ledger.models import LedgerEvent

pytestmark = pytest.mark.django_db


def post_notes(client, program, notes: str):
    return client.post(
        f"/api/programs/{program.pk}/notes/", {"notes": notes}, content_type="application/json"
    )


def test_the_claimant_and_operators_write_notes_and_each_change_is_kept(client, working, scientist, operator):
    client.force_login(scientist)
    assert post_notes(client, working, "Fe I 630 looks saturated").status_code == 200
    client.force_login(operator)
    assert post_notes(client, working, "checked: saturation flagged").json()["notes"] == (
        "checked: saturation flagged"
    )
    changes = LedgerEvent.objects.filter(kind="program_notes_changed").order_by("at", "id")
    assert [(e.actor, e.details["before"], e.details["after"]) for e in changes] == [
        ("scientist", "", "Fe I 630 looks saturated"),
        ("operator", "Fe I 630 looks saturated", "checked: saturation flagged"),
    ]


def test_another_scientist_is_refused_and_the_notes_stay(client, working, other_scientist):
    working.notes = "mine"
    working.save(update_fields=["notes"])
    client.force_login(other_scientist)
    response = post_notes(client, working, "overwritten")
    assert response.status_code == 403 and response.json()["code"] == "notes_refused"
    assert "only the scientist who claimed" in response.json()["message"]
    working.refresh_from_db()
    assert working.notes == "mine"
    refused = LedgerEvent.objects.get(kind="notes_refused")
    assert refused.actor == other_scientist.username
    assert not LedgerEvent.objects.filter(kind="program_notes_changed").exists()


def test_a_priority_no_column_holds_is_a_400_and_changes_nothing(client, working, operator):
    client.force_login(operator)
    response = client.post(
        f"/api/programs/{working.pk}/priority/", {"priority": 10**20}, content_type="application/json"
    )
    assert response.status_code == 400 and "priority" in str(response.json())
    working.refresh_from_db()
    assert working.priority == 0
