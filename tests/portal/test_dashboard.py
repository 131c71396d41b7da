"""The dashboard: each declared model counted by state and the runs by status, every count a link
to the portal's list filtered to it, for every role (never the admin)."""

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
    assert counts["campaign runs", "error"] == (0, "/pipelines/runs/?state=error")
    listed = client.get("/registry/executions/?status=failed").context["table"].page.object_list
    assert [row.record.error for row in listed] == ["no wavelength axis in the level 1 headers"]
    programs = client.get("/programs/?state=error").content.decode()
    assert "eid_failed" in programs and "eid_ok" not in programs
    assert client.get("/pipelines/runs/?state=error").status_code == 200


@pytest.mark.parametrize("role", ["scientist", "operator", "fssc"])
def test_every_role_follows_every_count_into_a_portal_list_filtered_by_it(client, request, role):
    services.transition(program("eid_ok"), "invertible", SYSTEM)
    client.force_login(request.getfixturevalue(role))
    boards = client.get("/").context["boards"]
    for board in boards:
        assert not board.url.startswith("/admin/"), board.name
        assert client.get(board.url).status_code == 200, board.url
        for count in board.counts:
            assert not count.url.startswith("/admin/"), count.url
            listed = client.get(count.url)
            assert listed.status_code == 200, count.url
            table = listed.context["table"]
            shown = [row.record for row in table.page.object_list]
            field = "status" if board.name == "executions" else "state"
            assert all(getattr(row, field) == count.value for row in shown), count.url
            if not table.lazy_pagination:  # the runs' list counts no rows
                assert table.page.paginator.count == count.count, count.url
