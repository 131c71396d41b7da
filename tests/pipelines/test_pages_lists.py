"""The pipelines' lists that the dashboard's counts open: campaign runs of every campaign, chunks,
BTI sets and FSSC deliveries. Each filters by state (or its own fields), sorts, exports its current
filter as CSV and takes a page size, in a constant number of queries however many rows."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pipelines.models import BtiSet, Chunk, DataRun, Downlink

from .conftest import RUNS, campaign_with_states, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


def _rows(response) -> list:
    return [row.record for row in response.context["table"].page.object_list]


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _same_queries(client, url, grow, django_assert_max_num_queries):
    client.get(url)  # warm the role cache and content types
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow()
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_campaign_runs_of_every_campaign_by_state(client, operator, django_assert_max_num_queries):
    client.force_login(operator)
    campaign_with_states("P310", ["error", "ready"])
    failed = client.get("/pipelines/runs/", {"state": "error"})
    assert [(run.campaign.name, run.state) for run in _rows(failed)] == [("P310", "error")]
    page = failed.content.decode()
    assert "magic7 unusable" in page  # why it failed, in its row
    assert 'href="/pipelines/campaigns/' in page and "/retry/" in page  # its campaign; an operator's retry
    exported = _csv(client.get("/pipelines/runs/", {"state": "error", "export": "csv"}))
    assert [(row["Campaign"], row["State"]) for row in exported] == [("P310", "Error: magic7 unusable")]
    by_run = client.get("/pipelines/runs/", {"sort": "-run"})
    assert [run.data_run.run_id for run in _rows(by_run)] == [1001, 1000]
    assert len(_rows(client.get("/pipelines/runs/", {"per_page": 1}))) == 1
    _same_queries(
        client,
        "/pipelines/runs/",
        lambda: campaign_with_states("P311", ["error", "ready", "generating", "ready", "error", "ready"]),
        django_assert_max_num_queries,
    )


def test_scientists_see_every_campaigns_runs_without_a_retry(client, scientist):
    campaign_with_states("P310", ["error"])
    client.force_login(scientist)
    page = client.get("/pipelines/runs/").content.decode()
    assert "magic7 unusable" in page and "/retry/" not in page


def _chunks(downlink_id: int, states: list[str]) -> None:
    downlink = Downlink.objects.create(downlink_id=downlink_id, chunk_count=len(states))
    Chunk.objects.bulk_create(
        Chunk(downlink=downlink, number=n, state=state, size=2880 * n, records=10 * n)
        for n, state in enumerate(states, 1)
    )


def test_chunks_by_state_and_downlink(client, operator, django_assert_max_num_queries):
    client.force_login(operator)
    _chunks(230401001, ["done", "error", "queued"])
    failed = _rows(client.get("/pipelines/chunks/", {"state": "error"}))
    assert [(c.downlink.downlink_id, c.number) for c in failed] == [(230401001, 2)]
    assert len(_rows(client.get("/pipelines/chunks/", {"downlink": 230401001}))) == 3
    assert _rows(client.get("/pipelines/chunks/", {"downlink": "x"})) == []
    page = client.get("/pipelines/chunks/").content.decode()
    assert 'href="/pipelines/downlinks/' in page and 'action="/pipelines/chunks/' in page
    _same_queries(
        client,
        "/pipelines/chunks/",
        lambda: _chunks(230401002, ["done", "error", "error", "done", "running", "done"]),
        django_assert_max_num_queries,
    )


def _bti_sets(run_ids, versions: int) -> None:
    for run_id in run_ids:
        run = DataRun.objects.get_or_create(run_id=run_id)[0]
        for version in range(1, versions + 1):
            BtiSet.objects.create(data_run=run, version=version, creator_label="test", reason="SAA")


def test_bti_sets_by_run(client, operator, django_assert_max_num_queries):
    client.force_login(operator)
    _bti_sets([1000], 2)
    rows = _rows(client.get("/pipelines/bti-sets/", {"run_id": 1000}))
    assert [(s.version, s.interval_count) for s in rows] == [(2, 0), (1, 0)]
    assert _rows(client.get("/pipelines/bti-sets/", {"run_id": 1})) == []
    assert _csv(client.get("/pipelines/bti-sets/", {"export": "csv"}))[0]["Version"] == "v2"
    _same_queries(
        client,
        "/pipelines/bti-sets/",
        lambda: _bti_sets([1001, 1002, 1003], 3),
        django_assert_max_num_queries,
    )


def test_fssc_deliveries_by_state(
    client, fssc, magic7_runs, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(fssc)
    run_campaign(make_campaign("P310", RUNS[:1]), django_capture_on_commit_callbacks)
    ready = _rows(client.get("/pipelines/fssc-deliveries/", {"state": "ready"}))
    assert len(ready) == 2 and {d.product.product_type for d in ready} == {"ft2_1s", "ft2_30s"}
    assert _rows(client.get("/pipelines/fssc-deliveries/", {"state": "ingested"})) == []
    page = client.get("/pipelines/fssc-deliveries/").content.decode()
    assert "/download" in page and "gll_pt1s_p310" in page
    _same_queries(
        client,
        "/pipelines/fssc-deliveries/",
        lambda: run_campaign(make_campaign("P311", RUNS), django_capture_on_commit_callbacks),
        django_assert_max_num_queries,
    )
