"""One run of a campaign: generated, flagged and validated, or failed alone with the reason."""

import shutil

import pytest
from astropy.io import fits

from l2portal.ledger import services as ledger
from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.ft2 import selectors
from pipelines.ft2.services import campaign_runs
from pipelines.models import CampaignRun, DataRun, FsscDelivery
from tests.factories import SYSTEM

from .conftest import RUNS, SPAN, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


def test_campaign_makes_flagged_and_unflagged_files_named_like_fermi(
    magic7_runs, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    run_campaign(campaign, django_capture_on_commit_callbacks)
    assert campaign.state == "validated"
    paths = set(Product.objects.filter(collection__name="P310").values_list("path", flat=True))
    run = RUNS[0]
    assert {
        f"P310/gll_pt1s_p310_r0{run}_v001.fit",
        f"P310/gll_pt_p310_r0{run}_v001.fit",
        f"P310/unflagged/gll_pt1s_p310_r0{run}_v001_unflagged.fit",
        f"P310/unflagged/gll_pt_p310_r0{run}_v001_unflagged.fit",
    } <= paths
    assert len(paths) == 4 * len(RUNS)
    first = CampaignRun.objects.get(campaign=campaign, data_run__run_id=run)
    assert first.state == "ready" and first.qa_passed
    assert first.velocity_passed and first.velocity_worst < 5
    assert first.fitsverify in ("ok", "not available")
    assert first.comparison == "none"
    assert first.parse_report["summary"].endswith("no malformed lines")
    with fits.open(absolute_path(first.ft2_1s)) as hdul:
        assert hdul[1].header["FILENAME"] == f"gll_pt1s_p310_r0{run}_v001.fit"
        assert hdul[1].header["PROC_VER"] == 310
        assert hdul[1].header["TSTART"] == run and hdul[1].header["TSTOP"] == run + SPAN
    assert FsscDelivery.objects.filter(state="ready").count() == 2 * len(RUNS)
    provenance = first.ft2_1s.produced_by.inputs.values_list("pk", flat=True)
    assert first.ft2_1s_unflagged.pk in provenance
    assert first.magic7.pk in provenance and first.magic7.product_type == "magic7"
    assert first.ft2_1s.metadata["unflagged"] == first.ft2_1s_unflagged.pk


def test_a_ready_run_whose_file_vanished_is_validated_again_and_fails_clearly(
    magic7_runs, django_capture_on_commit_callbacks
):
    campaign = make_campaign(runs=RUNS[:1])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    absolute_path(run.ft2_30s).unlink()
    assert run_campaign(campaign, django_capture_on_commit_callbacks)["queued"] == 1
    run.refresh_from_db()
    assert run.state == "error"
    assert f"{run.ft2_30s.path} is missing on disk" in run.transitions.last().reason
    assert campaign.state == "validating"


def test_an_unexpected_error_fails_the_run_so_the_campaign_does_not_wait(
    magic7_runs, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(run, actor):
        raise KeyError("bug")

    monkeypatch.setattr(campaign_runs, "validate_run_files", broken)
    campaign = make_campaign(runs=RUNS[:1])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.state == "error" and "unexpected KeyError" in run.transitions.last().reason
    assert campaign.state == "validating"  # the pass finished: the campaign does not wait


def test_a_damaged_magic7_fails_its_run_alone_and_registering_it_again_then_a_retry_finishes_it(
    magic7_runs, django_capture_on_commit_callbacks
):
    registered = services.latest_magic7(DataRun.objects.get(run_id=RUNS[1])).product
    absolute_path(registered).write_text("2011-05-17 20:24:18.162893 ATT 1 0 0 0 0 1 0 0 0\nnot a record\n")
    campaign = make_campaign()
    run_campaign(campaign, django_capture_on_commit_callbacks)
    assert campaign.state == "validating"
    failed = CampaignRun.objects.get(state="error")
    assert failed.data_run.run_id == RUNS[1]
    error = failed.transitions.last()
    assert registered.path in error.reason and registered.sha256 in error.reason
    assert "register it again" in error.reason
    assert error.details["failed_in"] == "generating"
    assert failed.ft2_1s_unflagged is None
    assert CampaignRun.objects.filter(state="ready").count() == 2
    progress = selectors.campaign_progress(campaign)
    assert (progress.done, progress.failed, progress.remaining) == (2, 1, 0)

    services.generate_demo_magic7([RUNS[1]], SPAN, SYSTEM)  # the same file, fetched again
    repaired = services.latest_magic7(DataRun.objects.get(run_id=RUNS[1])).product
    assert repaired.pk != registered.pk and repaired.sha256 == registered.sha256
    ready_before = set(CampaignRun.objects.filter(state="ready").values_list("pk", "state_changed_at"))
    with django_capture_on_commit_callbacks(execute=True):
        ledger.retry(failed, SYSTEM)
    failed.refresh_from_db()
    campaign.refresh_from_db()
    assert failed.state == "ready"
    assert campaign.state == "validated"
    assert ready_before <= set(CampaignRun.objects.values_list("pk", "state_changed_at"))


def test_comparison_with_the_previous_campaign_detects_a_changed_column(
    magic7_runs, django_capture_on_commit_callbacks
):
    run_campaign(make_campaign("P300", RUNS[:1]), django_capture_on_commit_callbacks)
    same = make_campaign("P310", RUNS[:1])
    run_campaign(same, django_capture_on_commit_callbacks)
    run = same.campaign_runs.get()
    assert run.comparison == "same" and run.previous.campaign.name == "P300"
    changed = make_campaign("P311", RUNS[:1], lat_config=3)
    run_campaign(changed, django_capture_on_commit_callbacks)
    run = changed.campaign_runs.get()
    assert run.state == "error" and run.comparison == "changed"
    assert "LAT_CONFIG" in run.comparison_summary and "P310" in run.comparison_summary
    assert "comparison with P310" in run.transitions.last().reason


@pytest.mark.skipif(shutil.which("fitsverify") is None, reason="fitsverify is not installed")
def test_fitsverify_is_clean_on_campaign_outputs(magic7_runs, django_capture_on_commit_callbacks):
    campaign = make_campaign(runs=RUNS[:1])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.fitsverify == "ok", run.fitsverify_output
    assert "verification OK" in run.fitsverify_output


def test_fitsverify_is_recorded_as_not_available_when_missing(
    magic7_runs, django_capture_on_commit_callbacks, settings
):
    settings.PIPELINES_FITSVERIFY = "no-such-fitsverify"
    campaign = make_campaign(runs=RUNS[:1])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.state == "ready" and run.fitsverify == "not available"
