"""An Execution's end is recorded even when the database connection was lost while the work ran
(a database restart, a killed backend): the work is done, and must not be taken for a loss."""

import psycopg
import pytest
from django.db import connection

from l2portal.ledger.execution import recording
from l2portal.ledger.models import Execution, TaskIntent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def kill_this_connection() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_run_whose_connection_died_is_recorded_on_a_fresh_one_with_its_intent_done():
    intent = TaskIntent.objects.create(task_name="tests.quick_step", status=TaskIntent.Status.SENT)
    with recording("tests.quick_step", task_id=str(intent.task_id)) as execution:
        kill_this_connection()
    execution.refresh_from_db()
    intent.refresh_from_db()
    assert execution.status == Execution.Status.SUCCEEDED and execution.finished_at is not None
    assert intent.status == TaskIntent.Status.DONE
