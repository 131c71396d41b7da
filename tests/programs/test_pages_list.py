"""The program list page: filters, counts per state, constant query counts."""

import pytest

from l2portal.programs import services
from l2portal.programs.standins import synthetic
from tests.factories import SYSTEM
from tests.programs.conftest import assert_queries_do_not_grow_with_programs, invertible

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/programs/", "/programs/?state=not_invertible&sort=newest"])
def test_query_count_does_not_grow_with_programs(client, scientist, url):
    assert_queries_do_not_grow_with_programs(client, scientist, url)


def test_list_filters_and_counts_per_state(client, loaded, scientist):
    client.force_login(scientist)
    page = client.get("/programs/?instrument=VISP&spectral_line=Fe I 630").content.decode()
    assert synthetic.program_id_for(0) in page and synthetic.program_id_for(9) not in page  # 9: VBI only
    assert "Invertible <b>3</b>" in page
    page = client.get("/programs/?invertible=false").content.decode()
    assert synthetic.program_id_for(0) not in page and synthetic.program_id_for(2) in page


def test_an_errored_program_shows_its_reason_in_its_row(client, loaded, scientist):
    program = invertible(0)
    services.run_preprocess(program.pk, SYSTEM)  # no L1 source: fails
    client.force_login(scientist)
    page = client.get("/programs/?state=error").content.decode()
    assert program.execution_id in page and 'class="reason" title="preprocessing failed: cannot copy' in page


def test_the_heading_counts_what_the_filters_and_the_state_select(client, loaded, scientist):
    from l2portal.programs.models import ObservingProgram

    client.force_login(scientist)
    # Computed here the way any database can (SQLite has no JSON containment).
    visp = ObservingProgram.objects.filter(
        pk__in=[
            pk for pk, names in ObservingProgram.objects.values_list("pk", "instruments") if "VISP" in names
        ]
    )
    for query, shown in (
        ("", ObservingProgram.objects.all()),
        ("?instrument=VISP", visp),
        ("?instrument=VISP&state=invertible", visp.filter(state="invertible")),
        ("?instrument=VISP&state=published", visp.none()),
    ):
        response = client.get(f"/programs/{query}")
        page = response.context["table"].page
        assert page.paginator.count == shown.count() and len(page.object_list) == min(shown.count(), 50)
        assert f"<small>{shown.count()} of {visp.count() if query else loaded.count()}</small>" in (
            response.content.decode()
        )
    assert client.get("/programs/?state=no-such-state").context["table"].paginator.count == 0
