"""Column choice as NetBox keeps it: each person's columns for each table, remembered across
visits, the default for everyone else; a column the table does not have is refused and nothing
changes."""

import pytest

from l2portal.ledger.models import LedgerEvent
from l2portal.portal.models import TablePreference
from tests.factories import user
from tests.registry.pages_data import runs

pytestmark = pytest.mark.django_db


def _headers(client, url="/registry/executions/") -> list[str]:
    table = client.get(url).context["table"]
    return [column.name for column in table.columns]


def _message(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_a_choice_of_columns_is_remembered_for_that_person_only(client, operator):
    runs(1)
    client.force_login(operator)
    default = _headers(client)
    assert default == ["task_name", "status", "subject", "host", "started_at", "took"]
    chosen = client.post(
        "/registry/tables/columns/",
        {"table": "ExecutionTable", "columns": ["worker", "status"], "next": "/registry/executions/"},
    )
    assert chosen.status_code == 302 and chosen["Location"] == "/registry/executions/"
    assert _headers(client) == ["task_name", "status", "worker"]  # the table's order, its link kept
    csv_header = b"".join(client.get("/registry/executions/", {"export": "csv"}).streaming_content)
    assert csv_header.decode().splitlines()[0] == "Task,Status,Worker"
    client.logout()
    client.force_login(user("other", "operator"))
    assert _headers(client) == default
    client.force_login(operator)
    client.post("/registry/tables/columns/", {"table": "ExecutionTable", "reset": "1"})
    assert _headers(client) == default


def test_a_column_the_table_has_not_is_refused_and_nothing_changes(client, operator):
    client.force_login(operator)
    client.post("/registry/tables/columns/", {"table": "ExecutionTable", "columns": ["worker"]})
    refused = client.post(
        "/registry/tables/columns/",
        {"table": "ExecutionTable", "columns": ["worker", "password"]},
        follow=True,
    )
    assert "the table has no column 'password'" in _message(refused)
    assert TablePreference.objects.get(user=operator).columns == ["worker"]
    assert LedgerEvent.objects.filter(kind="table_columns_refused").count() == 1
    unknown = client.post(
        "/registry/tables/columns/", {"table": "NoSuchTable", "columns": ["worker"]}, follow=True
    )
    assert "there is no table named 'NoSuchTable'" in _message(unknown)
