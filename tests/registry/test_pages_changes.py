"""The change log: every move of every tracked object and every ledger event, newest first, filtered
by object type, object, actor and time; exported as CSV with the same filter; the same rows in the
admin."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from l2portal.ledger import services
from l2portal.ledger.models import Change
from l2portal.ledger.refusals import Refused
from l2portal.registry.events import PRODUCTS_PURGED
from tests.factories import SYSTEM, one_of_each_tracked_model, program, superuser

pytestmark = pytest.mark.django_db


def _rows(response) -> list:
    assert response.status_code == 200
    return [row.record for row in response.context["table"].page.object_list]


def test_every_history_table_and_the_events_are_in_the_change_log(client, operator):
    objects = one_of_each_tracked_model()
    for obj in objects:
        services.fail(obj, SYSTEM, f"broken {obj._meta.model_name}")
    refused = program("eid_refused")
    with pytest.raises(Refused):
        services.retry(refused, services.Actor.of_user(operator))
    moved = {(c.subject_model, c.to_state) for c in Change.objects.filter(kind="transition")}
    assert {(o._meta.label_lower, "error") for o in objects} <= moved
    event = Change.objects.exclude(kind="transition").get()
    assert event.subject_model == "programs.observingprogram" and event.subject_id == str(refused.pk)
    assert event.actor == "operator"


def test_the_change_log_filters_by_actor_object_type_object_and_time(client, operator):
    first, second = program("eid_1"), program("eid_2")
    services.transition(first, "invertible", services.Actor.of_user(operator), "looks fine")
    services.transition(second, "not_invertible", SYSTEM, "no wavelength")
    services.record_event(PRODUCTS_PURGED, "purged P300", SYSTEM)
    client.force_login(operator)

    by_operator = _rows(client.get("/registry/changes/", {"actor": "operat"}))
    assert [(c.subject_id, c.to_state) for c in by_operator] == [(str(first.pk), "invertible")]
    by_type = _rows(client.get("/registry/changes/", {"subject_model": "programs.observingprogram"}))
    assert {c.subject_id for c in by_type} == {str(first.pk), str(second.pk)}
    one = _rows(
        client.get(
            "/registry/changes/", {"subject_model": "programs.observingprogram", "subject_id": second.pk}
        )
    )
    assert [c.message for c in one] == ["no wavelength"]
    purged = _rows(client.get("/registry/changes/", {"kind": "products_purged"}))
    assert [c.kind for c in purged] == ["products_purged"]
    later = (timezone.now() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    assert _rows(client.get("/registry/changes/", {"since": later})) == []
    assert len(_rows(client.get("/registry/changes/", {"until": later}))) == 3


def test_a_filter_it_cannot_read_shows_its_error_over_no_rows(client, operator):
    services.transition(program("eid_1"), "invertible", SYSTEM)
    client.force_login(operator)
    page = client.get("/registry/changes/", {"subject_model": "nothing.here", "since": "yesterday"})
    assert _rows(page) == [] and "Select a valid choice" in page.content.decode()


def test_the_export_has_the_filtered_rows_and_the_shown_columns(client, operator):
    services.transition(program("eid_1"), "invertible", services.Actor.of_user(operator), "fine")
    services.transition(program("eid_2"), "not_invertible", SYSTEM, '=HYPERLINK("x")')
    client.force_login(operator)
    response = client.get(
        "/registry/changes/", {"subject_model": "programs.observingprogram", "export": "csv"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="change-log-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["Change"] for r in rows] == ["discovered -> not_invertible", "discovered -> invertible"]
    assert rows[0]["Why"] == '\'=HYPERLINK("x")'  # a formula is exported as text
    assert list(rows[0]) == ["When", "What", "About", "Change", "Who", "Why"]
    assert {r["What"] for r in rows} == {"transition"} and rows[0]["About"].startswith("observing program ")
    only_operator = client.get("/registry/changes/", {"actor": "operator", "export": "csv"})
    assert len(list(csv.DictReader(io.StringIO(b"".join(only_operator.streaming_content).decode())))) == 1


def test_the_admin_shows_the_same_changes_read_only(client):
    op = program("eid_admin")
    services.transition(op, "invertible", SYSTEM, "qualified")
    client.force_login(superuser())
    page = client.get("/admin/ledger/change/", {"kind": "transition"})
    assert page.status_code == 200 and "qualified" in page.content.decode()
    assert client.get("/admin/ledger/change/add/").status_code == 403


def test_a_page_of_the_change_log_never_counts_all_history(client, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(60):
        services.record_event(PRODUCTS_PURGED, f"purged P{number}", SYSTEM)
    client.force_login(operator)
    for query in ({}, {"page": 2}, {"kind": "products_purged"}):
        with CaptureQueriesContext(connection) as queries:
            rows = _rows(client.get("/registry/changes/", query))
        assert len(rows) == (10 if query.get("page") else 50)
        assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
