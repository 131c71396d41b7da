"""Backfill (step 7 of the FT2 velocity change procedure, STGEN-165: "initial reprocess and
backfill"): the runs registered since a campaign was defined, up to a later run, join the same
campaign (same RUN collection, same names) as a pass of their own; the runs it already finished are
not touched."""

from __future__ import annotations

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import atomic_refusing

from ... import events
from ..models import ReprocessingCampaign
from ..selectors.ft2_inputs import discoverable_runs
from .campaigns import CampaignError, add_runs, open_pass

BACKFILL_STATES = ("running", "validating", "validated")


class BackfillRefused(Refused):
    """A backfill of a campaign that is not started, or is released or cancelled."""

    code = "backfill_refused"


def backfill_campaign(campaign: ReprocessingCampaign, last_run: int, actor: Actor) -> dict:
    """Add the registered runs in [first run, ``last_run``] the campaign does not have yet and
    start a pass for them. Returns the pass's figures with ``added``."""
    ledger.require_role(actor, OPERATOR, to=f"backfill campaign {campaign}", subject=campaign)
    with atomic_refusing(actor):
        locked = ReprocessingCampaign.objects.select_for_update().get(pk=campaign.pk)
        return _backfill(locked, last_run, actor)


def _backfill(campaign: ReprocessingCampaign, last_run: int, actor: Actor) -> dict:
    if campaign.state not in BACKFILL_STATES:
        ledger.refuse(
            BackfillRefused(
                f"campaign {campaign} is {campaign.state_label}: a backfill joins a started campaign that "
                "is not released or cancelled; start it first"
            ),
            actor,
            campaign,
        )
    if campaign.last_run is not None and last_run <= campaign.last_run:
        ledger.refuse(
            CampaignError(
                f"backfill of {campaign} to run {last_run} refused: the campaign already reaches run "
                f"{campaign.last_run}; give a later run",
                details={"last_run": campaign.last_run},
            ),
            actor,
            campaign,
        )
    first = campaign.first_run if campaign.first_run is not None else last_run
    new = list(discoverable_runs(first, last_run).exclude(campaign_runs__campaign=campaign))
    ReprocessingCampaign.objects.filter(pk=campaign.pk).update(
        last_run=last_run, backfills=campaign.backfills + 1, backfilled_to=last_run
    )
    add_runs(campaign, new, joined_pass=campaign.current_pass + 1)
    ledger.record_event(
        events.CAMPAIGN_BACKFILL,
        f"backfill of {campaign} to run {last_run}: {len(new)} runs join as pass {campaign.current_pass + 1}",
        actor,
        subject=campaign,
        added=len(new),
        last_run=last_run,
    )
    if campaign.state != "running":
        ledger.transition(campaign, "running", actor, f"backfill to run {last_run}")
    added = list(campaign.campaign_runs.filter(data_run__in=new))
    return {**open_pass(campaign, actor, added, [], 0), "added": len(new)}
