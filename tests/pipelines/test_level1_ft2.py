"""The Level-1 FT2 files of a data run as the mission's L1 makes them: the configured definition set
named in the header, LIVETIME from the run's livetime table, DATA_QUAL flagged from the run's
current BTI set as flagFT2 does; a run without a livetime source held, nothing written and nobody
told, the data runs page saying what to provide, until an operator resumes its Level 1."""

import numpy as np
import pytest
from astropy.io import fits
from django.urls import reverse

from l2portal.ledger.models import LedgerEvent
from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.models import DataRun, Downlink
from pipelines.science import orbitgen
from tests.factories import SYSTEM
from tests.pipelines.halfpipe import (
    LIVE_FRACTION,
    TIMELINE,
    ingest,
    register_livetime_for,
    register_magic7_for,
    simulate,
)

pytestmark = pytest.mark.django_db

RUN = int(TIMELINE.start)  # wholly in the first downlink
WAITING = 2  # DATA_QUAL before BTIs: waiting review (PIPELINES_DATA_QUAL's default)
# Submitted in this order: the second overwrites part of the first, as flagFT2 applies them.
INTERVALS = [
    {"start": RUN + 95.5, "stop": RUN + 150.0, "value": 0},
    {"start": RUN + 140.0, "stop": RUN + 141.0, "value": 3},
    {"start": RUN + 300.0, "stop": RUN + 330.0, "value": 1},
]


def table(product):
    with fits.open(absolute_path(product)) as hdul:
        return hdul["SC_DATA"].header, {
            n: np.array(hdul["SC_DATA"].data[n]) for n in ("START", "STOP", "LIVETIME", "DATA_QUAL")
        }


def flagged_like_flagft2(one, thirty):
    """flagFT2's badRange, row by row as its loop does: each interval flags the 30-s bins it
    overlaps, then the 1-s bins overlapping the span of those 30-s bins."""
    one_q, thirty_q = np.full(len(one["START"]), WAITING), np.full(len(thirty["START"]), WAITING)
    for interval in INTERVALS:
        span = [9e9, 0.0]
        for row, (start, stop) in enumerate(zip(thirty["START"], thirty["STOP"], strict=True)):
            if not (start >= interval["stop"] or stop <= interval["start"]):
                thirty_q[row] = interval["value"]
                span = [min(span[0], start), max(span[1], stop)]
        for row, (start, stop) in enumerate(zip(one["START"], one["STOP"], strict=True)):
            if not (start >= span[1] or stop <= span[0]):
                one_q[row] = interval["value"]
    return one_q, thirty_q


def test_the_level1_ft2_takes_definitions_livetime_and_bti_flags(
    settings, tmp_path, django_capture_on_commit_callbacks, online_server
):
    settings.PIPELINES_FT2_DEFINITIONS = "fermi-2014"  # not the built-in default, fermi-2019
    settings.PIPELINES_ONLINE_HOOK = online_server.url
    register_magic7_for(tmp_path=tmp_path)
    services.submit_bti_set(RUN, INTERVALS, SYSTEM, "a bad minute, then a partial second")
    ingest(simulate()[0], django_capture_on_commit_callbacks)

    run = DataRun.objects.get(run_id=RUN)
    assert run.state == "level1_done"
    version = run.versions.get(version=1)
    (one_header, one), (thirty_header, thirty) = table(version.level1_ft2_1s), table(version.level1_ft2_30s)
    for header in (one_header, thirty_header):
        assert header["FT2DEFS"] == "fermi-2014"
        assert header["LIVETSRC"] == "table" and header["LIVETREF"].startswith(f"livetime_r{RUN:010d}_")
    for columns in (one, thirty):
        assert np.allclose(
            columns["LIVETIME"], LIVE_FRACTION * (columns["STOP"] - columns["START"]), atol=1e-9
        )
        assert columns["LIVETIME"].min() > 0
    assert np.isclose(one["LIVETIME"].sum(), thirty["LIVETIME"].sum(), atol=1e-6)
    expected_1s, expected_30s = flagged_like_flagft2(one, thirty)
    assert np.array_equal(one["DATA_QUAL"], expected_1s) and np.array_equal(thirty["DATA_QUAL"], expected_30s)
    assert set(np.unique(one["DATA_QUAL"])) == {0, 1, 2, 3}
    assert version.level1_ft2_1s.metadata["bti_version"] == 1
    assert version.level1_ft2_1s.metadata["definitions"] == "fermi-2014"
    told = {(m["run_id"], m["version"]): len(m["files"]) for m in online_server.received}
    assert told[(RUN, 1)] == 3


def test_a_run_without_a_livetime_source_is_held_until_resumed(
    settings, tmp_path, django_capture_on_commit_callbacks, client, operator, online_server
):
    settings.PIPELINES_ONLINE_HOOK = online_server.url
    register_magic7_for(tmp_path=tmp_path, livetime_runs=[])
    ingest(simulate()[0], django_capture_on_commit_callbacks)

    held = DataRun.objects.get(run_id=RUN)
    assert held.state == "no_livetime_source"
    reason = held.transitions.get(to_state="no_livetime_source").reason
    assert reason == (
        f"Level 1 of v001 held: no livetime table registered for run r{RUN:010d}; register "
        f"livetime_r{RUN:010d}.csv (manage.py register_ft2_inputs), then resume its Level 1"
    )
    assert not Product.objects.filter(product_type__startswith="level1_").exists()
    assert online_server.received == []
    assert Downlink.objects.get().state == "merging"  # waits for its runs' Level 1
    answer = services.notify_online(held.pk, 1, SYSTEM)  # a stray notification: nobody is told
    assert answer == f"not told: the event file and 1-s FT2 and 30-s FT2 of {held} v001 not written or gone"
    assert LedgerEvent.objects.filter(kind="online_not_told").count() == 1 and online_server.received == []

    client.force_login(operator)
    page = client.get(reverse("pipelines:data-runs")).content.decode()
    assert "Held: no livetime source" in page and f"register livetime_r{RUN:010d}.csv" in page
    assert "Resume Level 1" in page
    downlink = client.get(reverse("pipelines:downlink", args=[Downlink.objects.get().pk])).content.decode()
    assert 'class="cell state-held"' in downlink and "held, no livetime source" in downlink

    register_livetime_for(DataRun.objects.values_list("run_id", flat=True), folder=tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        for run in DataRun.objects.filter(state="no_livetime_source"):
            client.post(reverse("pipelines:data-run-resume", args=[run.pk]))
    held.refresh_from_db()
    assert held.state == "level1_done"
    assert held.versions.get().level1_ft2_1s.metadata["livetime_source"] == "table"
    assert Downlink.objects.get().state == "done"
    assert (RUN, 1) in {(m["run_id"], m["version"]) for m in online_server.received}


def test_only_a_held_run_resumes(tmp_path, django_capture_on_commit_callbacks, client, operator):
    register_magic7_for(tmp_path=tmp_path)
    ingest(simulate()[0], django_capture_on_commit_callbacks)
    done = DataRun.objects.get(run_id=RUN)
    client.force_login(operator)
    client.post(reverse("pipelines:data-run-resume", args=[done.pk]))
    event = LedgerEvent.objects.get(kind="run_not_held")
    assert f"{done} is Level 1 done, not held for a livetime source" in event.message
    done.refresh_from_db()
    assert done.state == "level1_done"
    assert client.post(reverse("pipelines:data-run-resume", args=[done.pk + 1000])).status_code == 404


def test_a_level1_ft2_covering_too_little_of_the_run_fails_it_and_writes_nothing(
    tmp_path, django_capture_on_commit_callbacks
):
    covered_until = RUN + 400.0  # of a run of ten minutes and more
    path = tmp_path / "short.magic7"
    orbitgen.write_magic7(path, RUN - 60.0, covered_until, seed=3)
    services.register_magic7(RUN, path, RUN - 60.0, covered_until, SYSTEM)
    register_livetime_for([RUN], folder=tmp_path)
    ingest(simulate()[0], django_capture_on_commit_callbacks)

    run = DataRun.objects.get(run_id=RUN)
    assert run.state == "error"
    reason = run.transitions.latest("pk").reason
    assert "Level-1 FT2 coverage" in reason and "PIPELINES_FT2_KNOWN_GAPS" in reason
    assert not Product.objects.filter(product_type__startswith="level1_ft2").exists()
