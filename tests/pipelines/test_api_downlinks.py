"""The downlink API: downlinks, chunks and data runs with their merge versions, filterable; a
failed chunk retried by an operator, refused to a scientist."""

import pytest

from pipelines.models import Chunk
from tests.pipelines.halfpipe import ingest, register_magic7_for, simulate

pytestmark = pytest.mark.django_db


@pytest.fixture
def downlinks(django_capture_on_commit_callbacks, tmp_path):
    register_magic7_for(tmp_path=tmp_path)
    first, second = simulate(corrupt=(230401002, 2))
    ingest(first, django_capture_on_commit_callbacks)
    ingest(second, django_capture_on_commit_callbacks)


def test_downlinks_are_listed_with_their_chunk_counts(downlinks, client_as):
    rows = client_as("scientist").get("/api/downlinks/?state=error").json()["results"]
    assert [(r["downlink_id"], r["chunks_done"], r["chunks_failed"]) for r in rows] == [(230401002, 2, 1)]


def test_chunks_filter_by_downlink_and_state(downlinks, client_as):
    rows = client_as("operator").get("/api/chunks/?downlink=230401002&state=error").json()["results"]
    assert [(r["downlink"], r["number"], r["state"]) for r in rows] == [(230401002, 2, "error")]


def test_data_runs_show_their_merge_versions(downlinks, client_as):
    rows = client_as("operator").get("/api/runs/?downlink=230401001").json()["results"]
    assert [r["run_id"] for r in rows] == [545208791, 545209291]
    version = rows[0]["versions"][0]
    assert version["version"] == 1 and version["downlink"] == 230401001 and version["status"] == "level1_done"
    assert version["file"]["path"].endswith("_evt_v001.fits") and version["events"] > 0


def test_an_operator_retries_a_failed_chunk_and_a_scientist_may_not(
    downlinks, client_as, django_capture_on_commit_callbacks
):
    chunk = Chunk.objects.get(state="error")
    refused = client_as("scientist").post(f"/api/chunks/{chunk.pk}/retry/")
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
    simulate()  # fetched again, intact
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_as("operator").post(f"/api/chunks/{chunk.pk}/retry/")
    assert answer.status_code == 200 and answer.json()["to_state"] == "running"
    chunk.refresh_from_db()
    assert chunk.state == "done" and chunk.downlink.state == "done"
