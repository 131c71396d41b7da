"""Downlink pages: the list, one downlink with its grid of steps linking to their logs (a constant
number of queries however many chunks), the data runs with merge versions, an Execution's log."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pipelines.models import Chunk, Downlink, MergeVersion
from pipelines.standins.downlinksim import Timeline
from tests.pipelines.halfpipe import ingest, register_magic7_for, simulate

pytestmark = pytest.mark.django_db


@pytest.fixture
def processed(django_capture_on_commit_callbacks, tmp_path):
    register_magic7_for(tmp_path=tmp_path)
    for folder in simulate(corrupt=(230401002, 2)):
        ingest(folder, django_capture_on_commit_callbacks)


def test_the_downlink_page_shows_the_grid_with_logs_and_the_failure(processed, client, operator):
    client.force_login(operator)
    downlink = Downlink.objects.get(downlink_id=230401002)
    page = client.get(f"/pipelines/downlinks/{downlink.pk}/").content.decode()
    assert 'class="cell state-error"' in page and "230401002-00002.chunk is corrupt" in page
    broken = Chunk.objects.get(state="error")
    assert f'action="/pipelines/chunks/{broken.pk}/retry/"' in page
    execution = broken.transitions.get(to_state="error").actor_task_id
    assert "/registry/executions/" in page and execution is not None
    live = client.get(f"/pipelines/downlinks/{downlink.pk}/live/").content.decode()
    assert 'class="cell state-error"' in live and "hx-get" not in live  # nothing moves until a retry


def test_scientists_see_the_pages_without_operator_buttons(processed, client, scientist):
    client.force_login(scientist)
    downlink = Downlink.objects.get(downlink_id=230401002)
    page = client.get(f"/pipelines/downlinks/{downlink.pk}/").content.decode()
    assert "corrupt" in page and "/retry/" not in page
    listing = client.get("/pipelines/downlinks/").content.decode()
    assert "230401001" in listing and "230401002" in listing
    reason = Downlink.objects.get(downlink_id=230401002).transitions.get(to_state="error").reason
    assert f'<small class="bad reason" title="{reason}">' in listing  # why it failed, in its row


def test_the_run_list_shows_versions_and_event_counts(processed, client, operator):
    client.force_login(operator)
    page = client.get("/pipelines/data-runs/").content.decode()
    assert "r0545209291" in page and "v002" not in page  # the second downlink waits for its chunk
    assert "_evt_v001.fits" in page and "seen again" in page
    merged = MergeVersion.objects.filter(product__isnull=False).first().product
    assert f'href="/registry/products/{merged.pk}/download" download' in page  # each file downloads


def test_an_executions_log_is_one_click_away(processed, client, operator):
    from l2portal.ledger.models import Execution

    client.force_login(operator)
    execution = Execution.objects.filter(task_name="pipelines.tasks.decode_chunk", status="failed").first()
    downlink = Downlink.objects.get(downlink_id=230401002)
    assert (
        f'href="/registry/executions/{execution.pk}/"'
        in client.get(f"/pipelines/downlinks/{downlink.pk}/").content.decode()
    )
    page = client.get(f"/registry/executions/{execution.pk}/").content.decode()
    assert "pipelines.tasks.decode_chunk" in page and "corrupt" in page


def test_the_downlink_page_queries_do_not_grow_with_chunks(
    client, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    pages = []
    for downlink_id, chunks in ((230501001, 2), (230601001, 8)):
        timeline = Timeline(downlinks=1, downlink_seconds=80.0, chunks=chunks, first_downlink=downlink_id)
        ingest(simulate(timeline)[0], django_capture_on_commit_callbacks)
        downlink = Downlink.objects.get(downlink_id=downlink_id)
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/pipelines/downlinks/{downlink.pk}/")
        pages.append(len(queries))
    assert pages[0] == pages[1]
