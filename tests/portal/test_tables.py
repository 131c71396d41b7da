"""PortalTable for any app's list: a tracked model's rows carry the reason each failed (one query
for the page, whatever the number of rows in Error), shown beside the state and exported with it;
rows are classed by state; an object column links to the object's page."""

import csv
import io

import django_tables2 as tables
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from l2portal.ledger import services
from l2portal.portal.tables import ObjectColumn, PortalTable, StateColumn, portal_table
from l2portal.programs.models import ObservingProgram
from tests.factories import SYSTEM, program

pytestmark = pytest.mark.django_db


class ProgramStatesForTest(PortalTable):
    execution_id = ObjectColumn(verbose_name="Program")
    state = StateColumn()
    proposal_id = tables.Column(verbose_name="Proposal")

    exempt_columns = ("execution_id",)

    class Meta(PortalTable.Meta):
        pass


def _table(query: str = ""):
    request = RequestFactory().get(f"/programs/{query}")
    request.user = AnonymousUser()
    return portal_table(request, ProgramStatesForTest, ObservingProgram.objects.order_by("execution_id"))


def _page_queries(failed: int) -> int:
    for n in range(failed):
        services.fail(program(f"eid_bad_{failed}_{n}"), SYSTEM, f"reason {n}")
    table = _table()
    with CaptureQueriesContext(connection) as captured:
        table.as_html(table.request)
    return len(captured)


def test_rows_in_error_show_their_reason_and_export_it():
    services.fail(program("eid_bad"), SYSTEM, "no wavelength axis")
    services.transition(program("eid_good"), "invertible", SYSTEM)
    table = _table()
    html = table.as_html(table.request)
    assert '<tr class="state-error ' in html and "no wavelength axis" in html
    assert html.count('<span class="reason"') == 1
    bad = ObservingProgram.objects.get(execution_id="eid_bad")
    assert f'href="/programs/{bad.pk}/"' in html
    exported = b"".join(_table("?export=csv").csv_response().streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["Program"], r["State"]) for r in rows] == [
        ("eid_bad", "Error: no wavelength axis"),
        ("eid_good", "Invertible"),
    ]


def test_the_reasons_cost_the_same_queries_for_one_row_in_error_or_many():
    assert _page_queries(1) == _page_queries(8)
