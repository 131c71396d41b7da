"""The list of every program's transfers: filtered by status, purpose and program, with why a
failed one ended, sorted, exported as CSV, in a constant number of queries."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.programs.models import Transfer
from tests.factories import program

pytestmark = pytest.mark.django_db


def _transfers(execution_id: str, statuses: list[str], requested_by=None) -> None:
    owner = program(execution_id)
    for status in statuses:
        Transfer.objects.create(
            program=owner,
            purpose="fetch",
            status=status,
            files_total=3,
            files_done=3 if status == "succeeded" else 1,
            error="Globus task FAILED: endpoint unreachable" if status == "failed" else "",
            requested_by=requested_by,
        )


def test_transfers_by_status_with_why_they_failed(client, scientist, django_assert_max_num_queries):
    client.force_login(scientist)
    _transfers("eid_1", ["succeeded", "failed"], scientist)
    failed = client.get("/programs/transfers/", {"status": "failed"})
    assert [t.status for t in (row.record for row in failed.context["table"].page.object_list)] == ["failed"]
    page = failed.content.decode()
    assert '<span class="reason">Globus task FAILED: endpoint unreachable</span>' in page
    assert 'href="/programs/' in page and "1 / 3" in page
    exported = client.get("/programs/transfers/", {"status": "failed", "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert [(r["Program"], r["Why it failed"]) for r in rows] == [
        ("eid_1", "Globus task FAILED: endpoint unreachable")
    ]
    assert client.get("/programs/transfers/", {"program": "eid_2"}).context["table"].page.paginator.count == 0
    client.get("/programs/transfers/")
    with CaptureQueriesContext(connection) as small:
        client.get("/programs/transfers/")
    _transfers("eid_2", ["active", "failed", "succeeded", "queued", "failed"], scientist)
    with django_assert_max_num_queries(len(small)):
        assert client.get("/programs/transfers/").context["table"].page.paginator.count == 7
