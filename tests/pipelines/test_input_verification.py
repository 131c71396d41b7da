"""FT2 inputs verified where they are used and parsed in full where they are registered; a run's
coverage of its span checked before release (issue 20)."""

import gzip

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from l2portal.files import sha256_file
from l2portal.ledger import services as ledger
from l2portal.ledger.models import LedgerEvent
from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.ft2 import selectors
from pipelines.models import CampaignRun, DataRun, FsscDelivery, Magic7Input, ReprocessingCampaign
from pipelines.science import orbitgen
from tests.conftest import wait_for
from tests.factories import SYSTEM

from .conftest import RUNS, SPAN, make_campaign, run_campaign
from .production import register_production, write_previous_ft2

RUN = RUNS[0]


def _truncate(path, share=0.38) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_magic7_cut_after_registration_ends_its_run_in_error_on_the_worker_and_nothing_is_offered(
    celery_worker_process,
):
    services.generate_demo_magic7(RUNS[:2], SPAN, SYSTEM)
    magic7 = services.latest_magic7(DataRun.objects.get(run_id=RUN)).product
    _truncate(absolute_path(magic7))  # a failed copy, a full disk
    found = sha256_file(absolute_path(magic7))
    campaign = make_campaign(runs=RUNS[:2])
    services.start_campaign(campaign, SYSTEM)
    wait_for(lambda: ReprocessingCampaign.objects.get(pk=campaign.pk).state != "running", timeout=180)

    run = CampaignRun.objects.get(campaign=campaign, data_run__run_id=RUN)
    assert run.state == "error"
    reason = run.transitions.last().reason
    assert magic7.path in reason and magic7.sha256 in reason and found in reason
    assert "register it again" in reason
    assert run.transitions.last().details["failed_in"] == "generating"
    assert run.ft2_1s_unflagged is None and not Product.objects.filter(
        data_id__run=RUN, collection__name="P310"
    )
    assert not FsscDelivery.objects.filter(campaign_run=run).exists()
    event = LedgerEvent.objects.get(kind="input_changed")
    assert event.subject_id == str(magic7.pk) and event.details["found_sha256"] == found
    sibling = CampaignRun.objects.get(campaign=campaign, data_run__run_id=RUNS[1])
    assert sibling.state == "ready" and FsscDelivery.objects.filter(campaign_run=sibling).count() == 2


@pytest.mark.django_db
def test_a_broken_gzip_is_refused_at_registration_with_its_reason(tmp_path):
    plain = tmp_path / "magic7.txt"
    orbitgen.write_magic7(plain, RUN, RUN + SPAN)
    cut = tmp_path / f"magic7_r{RUN:010d}.txt.gz"
    cut.write_bytes(gzip.compress(plain.read_bytes()))
    _truncate(cut, 0.6)
    with pytest.raises(services.Magic7Refused, match="gzip stream is broken") as refused:
        services.register_magic7(RUN, cut, RUN, RUN + SPAN, SYSTEM)
    assert "register it again" in refused.value.message
    assert LedgerEvent.objects.get(kind="magic7_refused").details["path"] == str(cut)
    assert not Magic7Input.objects.exists() and not Product.objects.filter(product_type="magic7").exists()

    registration = services.register_tree(tmp_path, SYSTEM)  # by name, as register_ft2_inputs does
    assert registration.outcomes["refused"] == 1 and "gzip stream is broken" in registration.refused[0]
    with pytest.raises(CommandError, match="gzip stream is broken"):  # no EOFError traceback
        call_command("make_ft2", magic7=str(cut), start=RUN, stop=RUN + 60, output=str(tmp_path / "o.fits"))


@pytest.mark.django_db
def test_a_magic7_whose_last_line_is_cut_is_refused_with_its_parse_report(tmp_path):
    path = tmp_path / "magic7.txt"
    orbitgen.write_magic7(path, RUN, RUN + SPAN)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(services.Magic7Refused, match=r"last line \(\d+\) cut short") as refused:
        services.register_magic7(RUN, path, RUN, RUN + SPAN, SYSTEM)
    assert refused.value.details["problems"][-1][1] == "wrong field count"
    assert "ORB" in refused.value.details["parse_report"]


@pytest.mark.django_db
def test_coverage_below_the_share_fails_validation_with_no_previous_version(
    tmp_path, django_capture_on_commit_callbacks, settings
):
    path = tmp_path / "magic7.txt"
    orbitgen.write_magic7(path, RUN, RUN + SPAN)
    services.register_magic7(RUN, path, RUN, RUN + SPAN + 60, SYSTEM)  # a span the file does not reach
    services.generate_demo_livetime([RUN], SYSTEM)
    campaign = make_campaign(runs=[RUN])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.state == "error" and run.comparison == "none"
    reason = run.transitions.last().reason
    assert "coverage:" in reason and "below the 99.5% required" in reason
    assert run.coverage["share"] < 0.995 and run.coverage["minimum_share"] == 0.995
    assert run.coverage["largest_gap"][1] == RUN + SPAN + 60
    assert not FsscDelivery.objects.filter(campaign_run=run).exists()

    # The gap declared known: the same files pass.
    settings.PIPELINES_FT2_KNOWN_GAPS = [[RUN + SPAN - 30, RUN + SPAN + 60]]
    CampaignRun.objects.filter(pk=run.pk).update(coverage={})
    with django_capture_on_commit_callbacks(execute=True):
        ledger.retry(run, SYSTEM)
    run.refresh_from_db()
    assert run.state == "ready", run.transitions.last().reason
    assert run.coverage["share"] == 1.0 and run.coverage["excused_seconds"] > 0


@pytest.mark.django_db
def test_a_cut_production_ft2_is_refused_at_registration_and_a_damaged_one_fails_its_carry_forward(
    magic7_runs, tmp_path, django_capture_on_commit_callbacks
):
    (tmp_path / "cut").mkdir()
    cut = write_previous_ft2(tmp_path / "cut", RUNS[0])["1s"]
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size * 38 // 100])
    registration = services.register_tree(tmp_path / "cut", SYSTEM)
    assert registration.outcomes["refused"] == 1 and "cannot be read in full" in registration.refused[0]

    register_production(tmp_path, RUNS[1:2])
    previous = selectors.previous_ft2(RUNS[1]).thirty_second
    path = absolute_path(previous)
    path.write_bytes(path.read_bytes()[:-2880] + b"\0" * 2880)  # its last block lost
    campaign = make_campaign(runs=RUNS[1:2])
    assert campaign.mode == "carry-forward"
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = campaign.campaign_runs.get()
    assert run.state == "error" and previous.path in run.transitions.last().reason
    assert previous.sha256 in run.transitions.last().reason and run.ft2_1s_unflagged is None
