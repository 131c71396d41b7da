"""Around the chain: staging purge (dry run, files gone only after commit, rows kept), the online
hook (a real local HTTP server, or a task), a configured decoder command, the deploy check."""

import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, retry
from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.models import Chunk, DataRun, Downlink
from tests.factories import SYSTEM
from tests.pipelines.halfpipe import ingest, register_magic7_for, simulate

pytestmark = pytest.mark.django_db


@pytest.fixture
def processed(django_capture_on_commit_callbacks, tmp_path):
    register_magic7_for(tmp_path=tmp_path)
    for folder in simulate():
        ingest(folder, django_capture_on_commit_callbacks)


def test_staging_files_are_purged_once_their_runs_have_level1_rows_kept(
    processed, django_capture_on_commit_callbacks
):
    staged = Product.objects.filter(product_type="chunk_events")
    paths = sorted(staged.values_list("path", flat=True))
    assert services.purge_staging(SYSTEM, dry_run=True) == paths
    assert all(absolute_path(p).is_file() for p in staged)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.purge_staging(SYSTEM) == paths
    assert set(staged.values_list("status", flat=True)) == {"purged"}
    assert not any(absolute_path(p).exists() for p in staged)
    assert Product.objects.filter(product_type="merged_events", status="present").count() == 4
    assert LedgerEvent.objects.get(kind="staging_purged").details["paths"] == paths
    assert services.purge_staging(SYSTEM) == []


def test_the_purge_command_has_a_dry_run(processed, capsys):
    call_command("purge_staging", "--dry-run")
    out = capsys.readouterr().out
    assert "would purge halfpipe-stage/230401001/" in out and "8 staging files to purge" in out
    assert not Product.objects.filter(status="purged").exists()


def test_a_failed_run_holds_its_downlink_and_staging_files_until_retried(
    django_capture_on_commit_callbacks, tmp_path, operator
):
    ingest(simulate()[0], django_capture_on_commit_callbacks)  # no magic7 yet: Level 1 fails
    assert set(DataRun.objects.values_list("state", flat=True)) == {"error"}
    reason = DataRun.objects.first().transitions.get(to_state="error").reason
    assert "no magic7 records registered" in reason and "retry the run" in reason
    downlink = Downlink.objects.get()
    assert downlink.state == "error" and "retry the run" in downlink.transitions.get(to_state="error").reason
    assert services.purge_staging(SYSTEM, dry_run=True) == []
    register_magic7_for(tmp_path=tmp_path)  # registers the runs of the second downlink too
    with django_capture_on_commit_callbacks(execute=True):
        for run in DataRun.objects.filter(state="error"):
            retry(run, Actor.of_user(operator))
    assert set(DataRun.objects.exclude(versions=None).values_list("state", flat=True)) == {"level1_done"}
    assert Downlink.objects.get().state == "done" and services.purge_staging(SYSTEM, dry_run=True)


def test_online_monitoring_is_told_by_http_post_and_its_answer_recorded(
    settings, online_server, django_capture_on_commit_callbacks, tmp_path
):
    settings.PIPELINES_ONLINE_HOOK = online_server.url
    register_magic7_for(tmp_path=tmp_path)
    ingest(simulate()[0], django_capture_on_commit_callbacks)
    told = sorted((m["run_id"], m["version"]) for m in online_server.received)
    assert told == sorted(DataRun.objects.exclude(versions=None).values_list("run_id", "versions__version"))
    assert all(m["files"][0]["path"].endswith(".fit") for m in online_server.received)
    event = LedgerEvent.objects.filter(kind="online_notified").first()
    assert "HTTP 202: queued for online monitoring" in event.message


def test_a_configured_decoder_command_decodes_the_chunks(
    settings, django_capture_on_commit_callbacks, tmp_path
):
    decoder = tmp_path / "decoder.py"
    decoder.write_text(
        "import sys\n"
        "from pipelines.science import rawchunk\n"
        "from pipelines.science.eventfile import write_ft1\n"
        "import numpy as np\n"
        "chunk, retdef, outdir = sys.argv[1:4]\n"
        "rows = rawchunk.to_ft1(rawchunk.decode(open(chunk, 'rb').read(), chunk).records)\n"
        "with open(outdir + '/events.fits', 'wb') as handle:\n"
        "    write_ft1(handle, rows, np.empty((0, 2)), {})\n"
    )
    settings.PIPELINES_DECODER_COMMAND = f"{sys.executable} {decoder} {{chunk}} {{retdef}} {{outdir}}"
    ingest(simulate()[0], django_capture_on_commit_callbacks)
    assert set(Chunk.objects.values_list("state", flat=True)) == {"done"}
    settings.PIPELINES_DECODER_COMMAND = f"{sys.executable} -c 'import sys; sys.exit(\"no licence\")'"
    simulate()
    ingest(simulate()[1], django_capture_on_commit_callbacks)
    failed = Chunk.objects.filter(state="error").first()
    assert "decoder exited with status 1" in failed.transitions.get(to_state="error").reason
    assert "no licence" in failed.transitions.get(to_state="error").reason


def test_the_deploy_check_names_a_missing_folder(settings, tmp_path, capsys):
    settings.PIPELINES_STAGING_ROOT = str(tmp_path / "nowhere")
    with pytest.raises(SystemCheckError) as failed:
        call_command("check", "--deploy", "--fail-level", "ERROR")
    assert f"PIPELINES_STAGING_ROOT {tmp_path / 'nowhere'}: it does not exist; create it" in str(failed.value)
