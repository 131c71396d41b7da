"""The switchover: an operator proposes the date the FSSC switches to a campaign's files, an
operator and the FSSC agree to it, then the switch is made and a validated campaign released."""

from __future__ import annotations

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.ledger.services import Actor

from ..models import ReprocessingCampaign, Switchover
from .campaigns import release_campaign


def propose_switchover(
    campaign: ReprocessingCampaign, proposed_date, actor: Actor, note: str = ""
) -> Switchover:
    ledger.require_role(actor, OPERATOR, to=f"propose switchovers ({campaign})", subject=campaign)
    with transaction.atomic():
        switchover = Switchover.objects.create(
            campaign=campaign, proposed_date=proposed_date, proposed_by=actor.label, note=note
        )
        ledger.record_event("switchover_proposed", f"{switchover} proposed", actor, subject=switchover)
    return switchover


def agree_switchover(switchover: Switchover, actor: Actor):
    """The operator's or the FSSC's agreement (the side is the actor's role; an operator speaks
    for the operators); the second one makes it agreed by both."""
    ledger.require_role(actor, OPERATOR, FSSC, to=f"agree to the {switchover}", subject=switchover)
    side, other = ("operator", "fssc") if actor.has_role(OPERATOR) else ("fssc", "operator")
    target = "agreed" if switchover.state == f"{other}_agreed" else f"{side}_agreed"
    return ledger.transition(switchover, target, actor, f"agreed by {side}", side=side)


def complete_switchover(switchover: Switchover, actor: Actor, note: str = ""):
    """The switch is made: the campaign is released if it was validated."""
    ledger.require_role(actor, OPERATOR, to=f"complete the {switchover}", subject=switchover)
    row = ledger.transition(switchover, "done", actor, note or "switchover done")
    if switchover.campaign.state == "validated":
        release_campaign(switchover.campaign, actor, f"switchover of {switchover.proposed_date} done")
    return row


def cancel_switchover(switchover: Switchover, actor: Actor, reason: str = ""):
    ledger.require_role(actor, OPERATOR, to=f"cancel the {switchover}", subject=switchover)
    return ledger.transition(switchover, "cancelled", actor, reason or "cancelled")
