import threading

import pytest
from django.db import DatabaseError, connection, transaction

from l2portal.ledger import services
from l2portal.ledger.models import AppendOnlyError, LedgerEvent
from l2portal.ledger.services import transitions
from l2portal.ledger.states import StateMachine, TransitionNotAllowed
from l2portal.programs.models import ObservingProgram, ObservingProgramTransition
from tests.factories import NOTE, SYSTEM, one_of_each_tracked_model, program

pytestmark = pytest.mark.django_db


def test_transition_moves_state_and_appends_history():
    op = program()
    assert op.state == "discovered"
    row = services.transition(op, "invertible", SYSTEM, "all checks passed", checks=7)
    op.refresh_from_db()
    assert op.state == "invertible"
    assert (row.from_state, row.to_state, row.actor, row.reason, row.details) == (
        "discovered",
        "invertible",
        "system: test",
        "all checks passed",
        {"checks": 7},
    )
    assert list(op.transitions.values_list("to_state", flat=True)) == ["invertible"]


def test_disallowed_move_names_object_and_states_and_changes_nothing():
    op = program("eid_refused")
    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.transition(op, "published", SYSTEM)
    message = str(excinfo.value)
    assert "observing program eid_refused" in message
    assert "'discovered'" in message and "'published'" in message
    op.refresh_from_db()
    assert op.state == "discovered"
    assert not op.transitions.exists()
    event = LedgerEvent.objects.get(kind="transition_refused")
    assert event.subject == op and event.details == {"from_state": "discovered", "to_state": "published"}


def test_any_state_fails_to_error_and_retry_returns_to_failed_step(monkeypatch):
    op = program()
    services.transition(op, "invertible", SYSTEM)
    services.fail(op, SYSTEM, "preprocessing: checksum mismatch on frame 12")
    op.refresh_from_db()
    assert op.state == "error"
    failure = op.transitions.last()
    assert failure.details["failed_in"] == "invertible"
    assert failure.reason == "preprocessing: checksum mismatch on frame 12"

    started = []
    monkeypatch.setattr(ObservingProgram, "step_tasks", {"invertible": "fake.preprocess"}, raising=False)
    monkeypatch.setattr(transitions, "enqueue", lambda name, *args, **kw: started.append((name, args)))
    row = services.retry(op, SYSTEM)
    assert (row.from_state, row.to_state, row.details["retry_of"]) == ("error", "invertible", failure.pk)
    assert started == [("fake.preprocess", (op.pk,))]


def test_error_is_left_only_by_retry_and_final_states_cannot_fail():
    op = program()
    services.fail(op, SYSTEM, "scan broke")
    with pytest.raises(TransitionNotAllowed, match="retry"):
        services.transition(op, "invertible", SYSTEM)
    never_failed = program("eid_2")
    with pytest.raises(TransitionNotAllowed, match="never failed"):
        services.retry(never_failed, SYSTEM)


def test_state_machine_declaration_is_checked():
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine(states=(("a", "A"), ("error", "E")), initial="a", moves={"a": ("b",)})
    with pytest.raises(ValueError, match="'error' state"):
        StateMachine(states=(("a", "A"),), initial="a", moves={})


def test_history_rows_refuse_changes_in_python():
    op = program()
    row = services.transition(op, "invertible", SYSTEM)
    row.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()


def append_only_tables():
    from django.apps import apps

    from l2portal.ledger.models import TransitionBase

    models = [m for m in apps.get_models() if issubclass(m, TransitionBase)] + [LedgerEvent]
    return sorted(m._meta.db_table for m in models)


def test_every_tracked_domain_model_has_a_history_table():
    assert len(append_only_tables()) >= 7  # programs, downlinks, chunks, runs, campaigns, restores, events


@pytest.mark.postgres
def test_every_history_table_carries_the_append_only_triggers():
    with connection.cursor() as cur:
        for table in append_only_tables():
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
            )
            names = " ".join(row[0] for row in cur.fetchall())
            assert "append_only_no_update" in names and "append_only_no_delete" in names, table


@pytest.mark.postgres
@pytest.mark.parametrize("statement", ["UPDATE {table} SET actor = 'rewritten'", "DELETE FROM {table}"])
def test_database_rejects_update_and_delete_of_history(statement):
    subjects = one_of_each_tracked_model()
    for obj in subjects:
        services.fail(obj, SYSTEM, "to have a history row")
    services.record_event(NOTE, "something", SYSTEM)
    tables = [type(obj).transition_model()._meta.db_table for obj in subjects] + [LedgerEvent._meta.db_table]
    for table in tables:
        with (
            pytest.raises(DatabaseError, match="append_only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(statement.format(table=table))
    assert set(ObservingProgramTransition.objects.values_list("actor", flat=True)) == {"system: test"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_threads_racing_one_transition_leave_one_winner():
    op = program("eid_race")
    barrier = threading.Barrier(20)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            services.transition(ObservingProgram.objects.get(pk=op.pk), "invertible", SYSTEM, "race")
            outcomes.append("moved")
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["moved"] + ["refused"] * 19
    assert ObservingProgramTransition.objects.filter(subject=op, to_state="invertible").count() == 1


def test_transition_many_moves_the_allowed_and_reports_the_rest():
    programs = [program(f"eid_batch_{n}") for n in range(5)]
    services.fail(programs[0], SYSTEM, "broken")
    result = services.transition_many(
        ObservingProgram, [p.pk for p in programs], "invertible", SYSTEM, "qualified", checks=7
    )
    assert result.moved == [p.pk for p in programs[1:]]
    assert result.refused == {programs[0].pk: "error"}
    assert set(ObservingProgram.objects.filter(state="invertible").values_list("pk", flat=True)) == set(
        result.moved
    )
    rows = ObservingProgramTransition.objects.filter(to_state="invertible")
    assert {(r.from_state, r.reason, r.details["checks"]) for r in rows} == {("discovered", "qualified", 7)}
    event = LedgerEvent.objects.get(kind="transition_refused")
    assert event.details["refused"] == {str(programs[0].pk): "error"}


def test_transition_many_records_each_objects_own_reason():
    first, second = program("eid_r1"), program("eid_r2")
    result = services.transition_many(
        ObservingProgram,
        [],
        "not_invertible",
        SYSTEM,
        reasons={first.pk: "GOS open 90%", second.pk: "no Fe I"},
    )
    assert result.moved == sorted([first.pk, second.pk])
    reasons = dict(ObservingProgramTransition.objects.values_list("subject_id", "reason"))
    assert reasons == {first.pk: "GOS open 90%", second.pk: "no Fe I"}
