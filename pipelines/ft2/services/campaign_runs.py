"""One run of a campaign, carried from its current step to ready (or error): its FT2 files made
(carried forward or generated: campaign_ft2), flagged with its active BTI set as flagFT2 does
(campaign_flagging), validated (campaign_validation), then offered to the FSSC if it has livetime."""

from __future__ import annotations

from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.models import FanIn
from l2portal.ledger.services import Actor

from ..models import CampaignRun, ReprocessingCampaign
from ..selectors import active_bti_set, outputs_complete
from .campaign_flagging import flag_run_files
from .campaign_ft2 import make_run_ft2
from .campaign_validation import validate_run_files
from .campaigns import pass_key, validate_campaign_if_complete
from .fssc_offers import offer_if_releasable

FINISHED = ("ready", "error")


def process_campaign_run(run_pk: int, actor: Actor) -> str:
    """Carry a campaign run from its current state to ready (or error); every failure reaches
    Error with its reason (ledger.run_step). Idempotent: each step writes through write_product,
    so a redelivered task finds the products already made."""
    run = CampaignRun.objects.select_related("campaign__collection", "data_run").get(pk=run_pk)
    if run.state in ("error", "delivered"):
        return run.state
    ledger.run_step(run, _carry_on, actor)
    run.refresh_from_db(fields=["state"])
    if run.state in FINISHED:
        _run_finished(run, actor)
    return run.state


def _carry_on(run: CampaignRun, actor: Actor) -> None:
    if run.state == "ready":
        active = active_bti_set(run.data_run_id)
        if outputs_complete(run, active.pk if active else None):
            return
        next_state = "flagging" if run.bti_set_id != (active.pk if active else None) else "validating"
        ledger.transition(run, next_state, actor, "outputs incomplete or BTI set changed")
    if run.state == "pending":
        CampaignRun.objects.filter(pk=run.pk).update(started_at=timezone.now())
        ledger.transition(run, "generating", actor, "FT2 files being made")
    if run.state == "generating":
        done = make_run_ft2(run, actor)
        ledger.transition(run, "flagging", actor, done, mode=run.mode, livetime_source=run.livetime_source)
    if run.state == "flagging":
        reason, changed_bins = flag_run_files(run, actor)
        ledger.transition(run, "validating", actor, reason, changed_bins=changed_bins)
    if run.state == "validating":
        validate_run_files(run, actor)
        ledger.transition(run, "ready", actor, "validation passed")
        offer_if_releasable(run, actor)


def _run_finished(run: CampaignRun, actor: Actor) -> None:
    CampaignRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    campaign = ReprocessingCampaign.objects.get(pk=run.campaign_id)
    run.refresh_from_db(fields=["queued_pass"])
    key = pass_key(campaign, run.queued_pass)
    if FanIn.objects.filter(key=key).exists():
        ledger.fan_in_part_done(key, str(run.pk))
    # A run retried alone after its pass finished may be the last one the campaign waited for.
    validate_campaign_if_complete(campaign.pk, actor)
