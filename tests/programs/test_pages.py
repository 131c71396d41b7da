"""The scientists' pages and the API list: content, buttons per role, constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.programs import demo, services
from l2portal.programs.models import ObservingProgram, Scan
from tests.factories import SYSTEM
from tests.programs.conftest import invertible

pytestmark = pytest.mark.django_db


def add_programs(first: int, count: int) -> None:
    records = [
        record
        for record in demo.generate_records(first + count)
        if record["observingProgramExecutionId"]
        in {demo.program_id_for(i) for i in range(first, first + count)}
    ]
    services.import_records([records], Scan.objects.create(source="test"), SYSTEM)


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/programs/",
        "/programs/?state=not_invertible&sort=newest",
        "/programs/queue/",
        "/api/programs/",
        "/api/programs/?instrument=VISP&ordering=-priority",
        "/api/datasets/",
    ],
)
def test_query_count_does_not_grow_with_programs(client, scientist, url):
    add_programs(0, 10)
    ObservingProgram.objects.update(owner=scientist)
    client.force_login(scientist)
    before = query_count(client, url)
    add_programs(10, 20)
    ObservingProgram.objects.update(owner=scientist)
    assert query_count(client, url) == before


def test_detail_query_count_does_not_grow_with_history(client, preprocessed, scientist, operator):
    client.force_login(scientist)
    url = f"/programs/{preprocessed.pk}/"
    before = query_count(client, url)
    for _ in range(5):
        services.claim(preprocessed, scientist)
        services.release(preprocessed, operator)
    assert query_count(client, url) == before


def test_list_filters_and_counts_per_state(client, loaded, scientist):
    client.force_login(scientist)
    page = client.get("/programs/?instrument=VISP&spectral_line=Fe I 630").content.decode()
    assert demo.program_id_for(0) in page and demo.program_id_for(9) not in page  # 9: VBI only
    assert "Invertible <b>3</b>" in page
    page = client.get("/programs/?invertible=false").content.decode()
    assert demo.program_id_for(0) not in page and demo.program_id_for(2) in page
    api = client.get("/api/programs/?state=invertible&proposal=pid_1_100").json()
    assert sorted(p["execution_id"] for p in api["results"]) == [
        demo.program_id_for(0),
        demo.program_id_for(8),
    ]
    assert client.get("/api/programs/?spectral_line=Na I 589").json()["count"] == 9  # all but VBI-only
    assert client.get("/api/programs/?spectral_line=Fe I 630").json()["count"] == 8  # and no_fe_line


def test_detail_shows_checklist_picture_datasets_and_timeline(client, loaded, scientist):
    client.force_login(scientist)
    program = ObservingProgram.objects.get(execution_id=demo.program_id_for(3))  # low health
    page = client.get(f"/programs/{program.pk}/").content.decode()
    assert "Frames with GOOD health (worst dataset)" in page
    assert "70.0%" in page and "≥ 75.0%" in page  # the value against its threshold
    assert page.count("<svg") == 2 and 'class="mark required"' in page
    assert "λ min (nm)" in page and "Exposure (ms)" in page
    assert "discovered → not_invertible" in page
    assert "Claim this program" not in page  # not preprocessed


def test_buttons_follow_role_and_state(client, preprocessed, scientist, operator):
    url = f"/programs/{preprocessed.pk}/"
    client.force_login(scientist)
    page = client.get(url).content.decode()
    assert "Claim this program" in page and "Publish Level 2" not in page and "Set priority" not in page
    client.force_login(operator)
    page = client.get(url).content.decode()
    assert "Claim this program" not in page and "Set priority" in page and "Assign" in page


def test_claim_from_the_queue_then_upload_form(client, preprocessed, scientist):
    client.force_login(scientist)
    queue = client.get("/programs/queue/").content.decode()
    assert preprocessed.execution_id in queue and 'data-claim="' in queue
    response = client.post(f"/programs/{preprocessed.pk}/claim/", {"next": f"/programs/{preprocessed.pk}/"})
    assert response.status_code == 302
    page = client.get(f"/programs/{preprocessed.pk}/").content.decode()
    assert "Claimed: it is yours now." in page and "Upload inversion results" in page
    assert ObservingProgram.objects.get(pk=preprocessed.pk).owner == scientist


def test_refused_page_action_shows_why(client, preprocessed, operator):
    client.force_login(operator)
    client.post(f"/programs/{preprocessed.pk}/claim/")
    page = client.get(f"/programs/{preprocessed.pk}/").content.decode()
    assert "only scientists claim programs" in page
    assert ObservingProgram.objects.get(pk=preprocessed.pk).state == "preprocessed"


def test_progress_fragment_polls_while_running(client, loaded, scientist):
    client.force_login(scientist)
    program = invertible(0)
    ObservingProgram.objects.filter(pk=program.pk).update(
        progress={"state": "fetching", "files_done": 2, "files_total": 6, "bytes_done": 100, "skipped": 0}
    )
    fragment = client.get(f"/programs/{program.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "2 / 6 files" in fragment
    ObservingProgram.objects.filter(pk=program.pk).update(progress={"state": "done"})
    assert "hx-trigger" not in client.get(f"/programs/{program.pk}/progress/").content.decode()


def test_settle_period_shown(client, scientist, settings):
    add_programs(0, 1)
    ObservingProgram.objects.update(needs_qualification=True)
    client.force_login(scientist)
    program = ObservingProgram.objects.get()
    assert "qualified once none has changed" in client.get(f"/programs/{program.pk}/").content.decode()


def test_operators_start_a_scan_from_the_scans_page(
    client, operator, scientist, django_capture_on_commit_callbacks
):
    client.force_login(scientist)
    assert "Scan the metadata store now" not in client.get("/programs/scans/").content.decode()
    with django_capture_on_commit_callbacks() as queued:
        client.post("/programs/scans/run/")
    assert queued == []
    client.force_login(operator)
    assert "Scan the metadata store now" in client.get("/programs/scans/").content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/programs/scans/run/", {"proposal_id": "pid_1_100"})
    assert response.status_code == 302 and len(queued) == 1
