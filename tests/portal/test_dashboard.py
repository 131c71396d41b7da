"""The dashboard: each declared model counted by state and the runs by status, every count a link
to its list filtered to it (the admin's filtered list where the app's list does not filter by
state)."""

import pytest

from l2portal.ledger import services
from tests.factories import SYSTEM, program
from tests.registry.pages_data import failed_run, runs

pytestmark = pytest.mark.django_db


def _counts(page) -> dict[tuple[str, str], tuple[int, str]]:
    return {
        (board.name, count.value): (count.count, count.url)
        for board in page.context["boards"]
        for count in board.counts
    }


def test_every_count_links_to_its_filtered_list(client, operator):
    runs(2)
    failed_run()
    services.transition(program("eid_ok"), "invertible", SYSTEM)
    client.force_login(operator)
    counts = _counts(client.get("/"))
    assert counts["observing programs", "error"] == (1, "/programs/?state=error")
    assert counts["observing programs", "discovered"] == (2, "/programs/?state=discovered")
    assert counts["executions", "failed"] == (1, "/registry/executions/?status=failed")
    assert counts["executions", "succeeded"][0] == 2
    assert counts["campaign runs", "error"] == (0, "/admin/pipelines/campaignrun/?state__exact=error")
    listed = client.get("/registry/executions/?status=failed").context["table"].page.object_list
    assert [row.record.error for row in listed] == ["no wavelength axis in the level 1 headers"]
    programs = client.get("/programs/?state=error").content.decode()
    assert "eid_failed" in programs and "eid_ok" not in programs
    assert client.get("/admin/pipelines/campaignrun/?state__exact=error").status_code == 200
