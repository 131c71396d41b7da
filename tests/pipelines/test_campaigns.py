"""Campaigns as a use case: define one, start a pass (one transaction), re-run it, release it."""

import pytest

from l2portal.ledger import services as ledger
from l2portal.ledger.models import FanIn, LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from l2portal.ledger.states import TransitionNotAllowed
from l2portal.registry.models import Product
from pipelines import services
from pipelines.models import CampaignRun, CampaignRunTransition, FsscDelivery, ReprocessingCampaign
from pipelines.tasks import process_campaign_run
from tests.factories import SYSTEM

from .conftest import RUNS, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


def test_running_a_campaign_twice_makes_the_same_products_and_rows(
    magic7_runs, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    run_campaign(campaign, django_capture_on_commit_callbacks)
    products = sorted(Product.objects.values_list("path", "sha256"))
    runs = sorted(CampaignRun.objects.values_list("pk", "state", "ft2_1s", "ft2_30s"))
    deliveries = FsscDelivery.objects.count()
    result = run_campaign(campaign, django_capture_on_commit_callbacks)
    assert result == {"pass": 2, "queued": 0, "retried": 0, "skipped": len(RUNS)}
    assert campaign.state == "validated"
    assert sorted(Product.objects.values_list("path", "sha256")) == products
    assert sorted(CampaignRun.objects.values_list("pk", "state", "ft2_1s", "ft2_30s")) == runs
    assert FsscDelivery.objects.count() == deliveries
    # A task delivered again (at least once delivery) changes nothing either.
    history = CampaignRunTransition.objects.count()
    process_campaign_run.apply(args=[CampaignRun.objects.first().pk])
    assert CampaignRunTransition.objects.count() == history
    assert sorted(Product.objects.values_list("path", "sha256")) == products


def test_create_campaign_refuses_bad_selections(magic7_runs):
    with pytest.raises(services.CampaignError, match="unknown data runs: 1"):
        services.create_campaign("P310", SYSTEM, run_ids=[1, RUNS[0]])
    with pytest.raises(services.CampaignError, match="no data run with a magic7 input"):
        services.create_campaign("P310", SYSTEM, first_run=1, last_run=2)
    with pytest.raises(services.CampaignError, match="must be P"):
        services.create_campaign("bad name", SYSTEM, run_ids=[RUNS[0]])
    campaign = services.create_campaign("P310", SYSTEM, first_run=RUNS[0], last_run=RUNS[1])
    assert sorted(campaign.campaign_runs.values_list("data_run__run_id", flat=True)) == list(RUNS[:2])
    with pytest.raises(services.CampaignError, match="exists already"):
        services.create_campaign("P310", SYSTEM, run_ids=[RUNS[0]])
    assert LedgerEvent.objects.filter(kind="campaign_created").count() == 1
    refusals = LedgerEvent.objects.filter(kind="campaign_refused").values_list("message", flat=True)
    assert len(refusals) == 4 and any("unknown data runs: 1" in message for message in refusals)


def test_campaign_refusals_are_bad_requests_with_a_stable_code(magic7_runs):
    with pytest.raises(services.CampaignError) as refused:
        services.create_campaign("P310", SYSTEM, run_ids=[1])
    assert (refused.value.code, refused.value.http_status) == ("campaign_refused", 400)
    assert refused.value.message.startswith("campaign 'P310' refused: unknown data runs: 1")


def test_only_operators_define_start_and_release_campaigns(magic7_runs, scientist, operator):
    as_scientist = Actor.of_user(scientist)
    with pytest.raises(NotPermitted, match="only operators may define campaigns"):
        services.create_campaign("P310", as_scientist, run_ids=[RUNS[0]])
    assert not ReprocessingCampaign.objects.exists()
    campaign = services.create_campaign("P310", Actor.of_user(operator), run_ids=[RUNS[0]])
    with pytest.raises(NotPermitted, match="only operators may start campaign P310; ask an operator"):
        services.start_campaign(campaign, as_scientist)
    with pytest.raises(NotPermitted, match="only operators may release campaign P310"):
        services.release_campaign(campaign, as_scientist)
    campaign.refresh_from_db()
    assert (campaign.state, campaign.current_pass) == ("defined", 0)
    refusals = LedgerEvent.objects.filter(kind="not_permitted", actor="scientist")
    assert refusals.count() == 3 and refusals.filter(subject_id=str(campaign.pk)).count() == 2


def test_start_moves_the_campaign_counts_the_pass_and_queues_in_one_transaction(
    magic7_runs, django_capture_on_commit_callbacks, monkeypatch
):
    """A start that breaks half-way (here: opening the pass's fan-in) leaves the campaign as it
    was: not running with no pass and no task to move it on."""
    campaign = make_campaign()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ledger, "fan_in_open", broken)
    with django_capture_on_commit_callbacks() as queued, pytest.raises(RuntimeError):
        services.start_campaign(campaign, SYSTEM)
    assert queued == []
    campaign.refresh_from_db()
    assert (campaign.state, campaign.current_pass, campaign.started_at) == ("defined", 0, None)
    assert not campaign.transitions.exists()
    assert not LedgerEvent.objects.filter(kind="campaign_pass_started").exists()
    assert not FanIn.objects.exists()

    monkeypatch.undo()
    result = run_campaign(campaign, django_capture_on_commit_callbacks)
    assert result == {"pass": 1, "queued": len(RUNS), "retried": 0, "skipped": 0}
    assert campaign.state == "validated" and campaign.current_pass == 1


def test_a_refused_start_changes_nothing_and_is_recorded(magic7_runs, django_capture_on_commit_callbacks):
    campaign = make_campaign()
    with django_capture_on_commit_callbacks() as queued:
        services.start_campaign(campaign, SYSTEM)
    campaign.refresh_from_db()
    with django_capture_on_commit_callbacks() as queued_again, pytest.raises(TransitionNotAllowed):
        services.start_campaign(campaign, SYSTEM)
    assert len(queued) == len(RUNS) and queued_again == []
    campaign.refresh_from_db()
    assert (campaign.state, campaign.current_pass) == ("running", 1)
    refusal = LedgerEvent.objects.get(kind="transition_refused")
    assert (
        refusal.subject_id == str(campaign.pk)
        and "cannot move from 'running' to 'running'" in refusal.message
    )
