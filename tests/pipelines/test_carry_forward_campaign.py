"""A campaign over runs whose production FT2 files are registered: carried forward by default, every
previous column kept bit for bit, SC_VELOCITY added from magic7, DATA_QUAL set from the active BTI
set as flagFT2 sets it, compared with the registered previous version by column and row."""

import numpy as np
import pytest
from astropy.io import fits

from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.models import CampaignRun, ReprocessingCampaign
from pipelines.science import carryforward
from tests.factories import SYSTEM

from .conftest import RUNS, SPAN, make_campaign, run_campaign
from .flagft2 import flagft2
from .production import register_production

pytestmark = pytest.mark.django_db


def table(path):
    with fits.open(path) as hdul:
        data = hdul["SC_DATA"].data
        return {name: np.array(data[name]) for name in data.names}, hdul["SC_DATA"].header


def same_bits(a, b) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture
def production(magic7_runs, tmp_path):
    return register_production(tmp_path, RUNS[:2])


def test_carry_forward_is_the_default_and_keeps_every_previous_column(
    production, django_capture_on_commit_callbacks
):
    campaign = make_campaign(runs=RUNS[:2])
    assert campaign.mode == ReprocessingCampaign.Mode.CARRY_FORWARD
    run_campaign(campaign, django_capture_on_commit_callbacks)
    assert campaign.state == "validated"
    for run in CampaignRun.objects.filter(campaign=campaign).select_related("data_run"):
        assert (run.mode, run.livetime_source, run.comparison) == ("carry-forward", "previous-ft2", "same")
        assert run.previous_1s.filename == f"gll_pt1s_p202_r0{run.data_run.run_id}_v001.fit"
        for label in ("1s", "30s"):
            previous, _ = table(production[run.data_run.run_id][label])
            new, header = table(absolute_path(getattr(run, f"ft2_{label}")))
            assert "SC_VELOCITY" not in previous and set(new) == set(previous) | {"SC_VELOCITY"}
            assert all(same_bits(new[name], previous[name]) for name in previous)
            assert (
                np.isfinite(new["SC_VELOCITY"]).all()
                and (np.linalg.norm(new["SC_VELOCITY"], axis=1) > 7e3).all()
            )
            assert (header["VERSION"], header["PROC_VER"], header["LIVETSRC"]) == (1, 310, "previous-ft2")
            assert header["FILENAME"] == getattr(run, f"ft2_{label}").filename
        assert run.provenance["definitions"] == "kept from the previous version"
        assert {d["file"]: d["same"] for d in run.comparison_details} == {"1s": True, "30s": True}
    # The velocity check compares the new velocities with the kept positions: it passed.
    assert set(campaign.campaign_runs.values_list("velocity_passed", flat=True)) == {True}


def test_flagging_matches_flagft2_on_overlapping_intervals(production, django_capture_on_commit_callbacks):
    run_id = RUNS[0]
    listed = [(run_id, run_id + SPAN, 1), (run_id + 10, run_id + 40, -1), (run_id + 35, run_id + 70, 0)]
    services.submit_bti_set(run_id, [{"start": a, "stop": b, "value": v} for a, b, v in listed], SYSTEM)
    campaign = make_campaign(runs=[run_id])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.state == "ready", run.transitions.last().reason
    previous = {label: table(production[run_id][label])[0] for label in ("1s", "30s")}
    one = [previous["1s"][k].copy() for k in ("START", "STOP", "DATA_QUAL")]
    thirty = [previous["30s"][k].copy() for k in ("START", "STOP", "DATA_QUAL")]
    spans = flagft2(one, thirty, [((a, b), v) for a, b, v in listed])
    new_1s, _ = table(absolute_path(run.ft2_1s))
    new_30s, _ = table(absolute_path(run.ft2_30s))
    assert (
        new_1s["DATA_QUAL"].tolist() == one[2].tolist()
        and new_30s["DATA_QUAL"].tolist() == thirty[2].tolist()
    )
    assert set(new_30s["DATA_QUAL"].tolist()) == {-1, 0, 1}  # the later interval won where they overlap
    reason = run.transitions.get(to_state="validating").reason
    assert all(f"{a:.6f}..{b:.6f}" in reason for (a, b), _ in spans)
    # DATA_QUAL differs from the previous version where the BTIs say so; nothing else does.
    assert run.comparison == "same"


def test_a_broken_pair_of_previous_files_fails_the_run_with_both_ranges(
    magic7_runs, tmp_path, django_capture_on_commit_callbacks
):
    run_id = RUNS[0]
    register_production(tmp_path, [run_id], start_30s_late=0.5)
    services.submit_bti_set(run_id, [{"start": run_id + 1, "stop": run_id + 2, "value": 0}], SYSTEM)
    campaign = make_campaign(runs=[run_id])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    failure = run.transitions.last()
    assert run.state == "error" and failure.details["failed_in"] == "flagging"
    assert f"the 30-s bins flagged span {run_id + 0.5:.6f}.." in failure.reason
    assert f"but the 1-s bins flagged span {run_id:.6f}.." in failure.reason
    assert "the 1-s ranges must aggregate to the same 30-s ranges" in failure.reason
    assert run.ft2_1s is None and campaign.state == "validating"


def test_a_changed_column_is_listed_by_column_and_row_and_fails_validation(
    production, django_capture_on_commit_callbacks, monkeypatch, client, operator
):
    original = carryforward.carry_forward

    def with_a_bug(previous_1s, previous_30s, magic7, intervals, new, output_1s, output_30s, **options):
        made = original(previous_1s, previous_30s, magic7, intervals, new, output_1s, output_30s, **options)
        with fits.open(output_1s, mode="update") as hdul:
            hdul["SC_DATA"].data["RA_SCZ"][[2, 3]] += 1.0  # a bug that touches a kept column
        return made

    monkeypatch.setattr(carryforward, "carry_forward", with_a_bug)
    campaign = make_campaign(runs=RUNS[:1])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.state == "error" and run.comparison == "changed"
    one = next(d for d in run.comparison_details if d["file"] == "1s")
    assert one["columns"] == [{"column": "RA_SCZ", "count": 2, "rows": [3, 4], "format_changed": False}]
    assert "comparison with the registered previous version" in run.transitions.last().reason
    assert "RA_SCZ (2 rows: 3, 4)" in run.comparison_summary
    client.force_login(operator)
    page = client.get(f"/pipelines/runs/{run.pk}/").content.decode()
    assert f"1s file against <code>gll_pt1s_p202_r0{RUNS[0]}_v001.fit</code>" in page
    assert "<td><code>RA_SCZ</code></td><td>2</td><td>3, 4</td>" in page
    assert "30s file against" in page and "Every compared column is bit-identical." in page
