"""BTI sets: versions, the active set, refusals, and what flagging does with the active set."""

import numpy as np
import pytest
from astropy.io import fits
from django.db import DatabaseError, transaction

from l2portal.ledger.models import AppendOnlyError, LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.ft2 import selectors
from pipelines.models import BtiInterval, BtiSet, CampaignRun, DataRun, FsscDelivery
from tests.factories import SYSTEM

from .conftest import RUNS, make_campaign, run_campaign

pytestmark = pytest.mark.django_db
RUN = RUNS[0]


def interval(start, stop, value):
    return {"start": RUN + start, "stop": RUN + stop, "value": value}


def test_the_latest_submitted_set_is_active_and_submitted_sets_never_change(magic7_runs):
    first = services.submit_bti_set(RUN, [interval(0, 60, 1)], SYSTEM, "review")
    second = services.submit_bti_set(RUN, [interval(0, 60, 0)], SYSTEM, "correction")
    assert (first.version, second.version) == (1, 2)
    assert selectors.active_bti_set(first.data_run_id) == second
    first.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        first.save()
    with pytest.raises(AppendOnlyError):
        BtiInterval(bti_set=second, start=RUN, stop=RUN + 1, value=1).save()
    with pytest.raises(AppendOnlyError):
        second.intervals.first().delete()
    assert second.intervals.count() == 1


@pytest.mark.postgres
def test_the_database_refuses_any_change_to_a_submitted_set(magic7_runs):
    bti_set = services.submit_bti_set(RUN, [interval(0, 60, 1)], SYSTEM, "review")
    for change in (
        lambda: BtiSet.objects.filter(pk=bti_set.pk).update(reason="rewritten"),
        lambda: bti_set.intervals.update(value=0),
        lambda: bti_set.intervals.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append_only"), transaction.atomic():
            change()
    assert BtiSet.objects.get(pk=bti_set.pk).reason == "review" and bti_set.intervals.get().value == 1


def test_bad_intervals_are_refused_with_the_reason_and_an_event(magic7_runs):
    with pytest.raises(services.BtiRefused, match=r"interval 2: interval stop .* is not after start"):
        services.submit_bti_set(RUN, [interval(0, 60, 1), interval(60, 30, 0)], SYSTEM)
    with pytest.raises(services.BtiRefused, match="no data run r0000000001"):
        services.submit_bti_set(1, [interval(0, 60, 1)], SYSTEM)
    assert LedgerEvent.objects.filter(kind="bti_set_refused").count() == 2
    assert selectors.active_bti_set(DataRun.objects.get(run_id=RUN).pk) is None


def test_flagging_writes_new_products_with_the_active_set_as_flagft2_does(
    magic7_runs, django_capture_on_commit_callbacks
):
    bti_set = services.submit_bti_set(
        RUN, [interval(0, 120, 1), interval(10, 40, -1), interval(20, 30, 0), interval(50, 70, 3)], SYSTEM
    )
    campaign = make_campaign(runs=RUNS[:1])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    run = CampaignRun.objects.get(campaign=campaign)
    assert run.state == "ready" and run.bti_set == bti_set
    assert (
        run.ft2_1s.metadata["bti_set"] == bti_set.pk
        and run.ft2_1s.metadata["unflagged"] == run.ft2_1s_unflagged.pk
    )
    with fits.open(absolute_path(run.ft2_1s_unflagged)) as raw:
        assert set(raw[1].data["DATA_QUAL"]) == {2}
    with fits.open(absolute_path(run.ft2_1s)) as one, fits.open(absolute_path(run.ft2_30s)) as thirty:
        one, thirty = one[1].data, thirty[1].data
        # In their listed order, each over whole 30-s bins (the first one 29.6 s from the run start,
        # merged as mergeFT2 does): 0 over the first two, then 3 over the second and third.
        assert list(thirty["DATA_QUAL"]) == [0, 3, 3, 1, 1]
        within = np.searchsorted(thirty["START"], one["START"], side="right") - 1
        assert (one["DATA_QUAL"] == thirty["DATA_QUAL"][within]).all()
    assert run.transitions.get(to_state="validating").details["changed_bins"] == {"1s": 121, "30s": 5}


def test_a_new_bti_set_makes_a_new_file_version_on_re_run(magic7_runs, django_capture_on_commit_callbacks):
    services.submit_bti_set(RUN, [interval(0, 120, 1)], SYSTEM)
    campaign = make_campaign(runs=RUNS[:1])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    old = CampaignRun.objects.get(campaign=campaign).ft2_1s
    newer = services.submit_bti_set(RUN, [interval(0, 120, 0)], SYSTEM, "bad after all")
    result = run_campaign(campaign, django_capture_on_commit_callbacks)
    assert result["queued"] == 1
    run = CampaignRun.objects.get(campaign=campaign)
    assert run.state == "ready" and run.bti_set == newer
    assert run.ft2_1s.filename == f"gll_pt1s_p310_r0{RUN}_v002.fit" and old.filename.endswith("_v001.fit")
    with fits.open(absolute_path(run.ft2_1s)) as flagged:
        assert np.all(flagged[1].data["DATA_QUAL"] == 0)
    assert FsscDelivery.objects.filter(campaign_run=run).count() == 4  # v001 and v002 both offered
    assert campaign.state == "validated"


def test_bti_refusals_are_bad_requests_recorded_on_the_run(magic7_runs):
    with pytest.raises(services.BtiRefused) as refused:
        services.submit_bti_set(RUN, [], SYSTEM)
    assert (refused.value.code, refused.value.http_status) == ("bti_set_refused", 400)
    event = LedgerEvent.objects.get(kind="bti_set_refused")
    assert event.details == {"problems": ["a BTI set needs at least one interval"]}
    assert event.subject_id == str(DataRun.objects.get(run_id=RUN).pk)


def test_only_operators_submit_bti_sets(magic7_runs, scientist):
    with pytest.raises(NotPermitted, match="only operators may submit BTI sets"):
        services.submit_bti_set(RUN, [interval(0, 60, 1)], Actor.of_user(scientist))
    assert not BtiSet.objects.exists()
