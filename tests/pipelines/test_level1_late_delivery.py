"""A Level-1 task delivered twice (a lost worker's work sent again while the first delivery still ran)
whose late copy ends after a newer version of its run was merged leaves the run to that version's
Level 1: the run ends with the newest version's files and every downlink it touched is done."""

import pytest

from pipelines import services
from pipelines.models import Chunk, DataRun, Downlink
from pipelines.science import ft2
from tests.factories import SYSTEM
from tests.pipelines.halfpipe import TIMELINE, ingest, register_magic7_for, simulate

pytestmark = pytest.mark.django_db

SHARED_RUN = int(TIMELINE.start) + 500  # in both downlinks


def test_a_late_copy_of_a_level1_task_leaves_the_run_to_the_newer_version(
    django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    register_magic7_for(tmp_path=tmp_path)
    first, second = simulate()
    compute_ft2_pair, late = ft2.compute_ft2_pair, []

    def meanwhile(data, tstart, tstop, config, livetime):
        """While the late copy of the shared run's v001 Level 1 computes: the second downlink plans
        v002, the first copy ends (moving the run on to merge v002), and v002 is merged."""
        if not late and config.version == 1 and SHARED_RUN <= tstart < SHARED_RUN + TIMELINE.run_seconds:
            late.append(config)
            downlink, _ = services.ingest_downlink(second, SYSTEM)
            for chunk in Chunk.objects.filter(downlink=downlink):
                services.decode_chunk(chunk.pk, SYSTEM)
            services.advance_downlink(downlink.pk, SYSTEM)
            run = DataRun.objects.get(run_id=SHARED_RUN)
            assert services.level1_run(run.pk, SYSTEM) == "merging"
            assert services.merge_run(run.pk, SYSTEM) == "level1_running"
        return compute_ft2_pair(data, tstart, tstop, config, livetime)

    monkeypatch.setattr("pipelines.ft2.services.level1_ft2.compute_ft2_pair", meanwhile)
    ingest(first, django_capture_on_commit_callbacks)

    assert late, "the shared run's Level 1 was not reached"
    run = DataRun.objects.get(run_id=SHARED_RUN)
    assert run.state == "level1_done"
    assert run.transitions.order_by("-at", "-id").first().reason == "Level 1 of v002 written"
    assert run.versions.get(version=2).level1_ft1 is not None
    assert set(Downlink.objects.values_list("state", flat=True)) == {"done"}
