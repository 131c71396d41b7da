"""The switchover (steps 11-13 of the FT2 velocity change procedure, STGEN-165): an operator
proposes the date the FSSC switches to a campaign's files and the L1 software switch (which
ground-software release makes new files from which moment); an operator and the FSSC agree to it;
the L1 switch is recorded as made; completing it is refused until the campaign is validated,
backfilled up to the L1 switch and ingested at the FSSC. Then the campaign is released and becomes
the first collection of FT2/current."""

from __future__ import annotations

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest, Refused
from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import atomic_refusing
from l2portal.registry import services as registry
from l2portal.registry.models import Collection

from ... import conf, events
from ..models import ReprocessingCampaign, Switchover
from ..selectors.switchovers import switchover_conditions
from .campaigns import release_campaign


class SwitchoverRefused(InvalidRequest):
    """A switchover proposal without its L1 software switch; nothing was proposed."""

    code = "switchover_refused"


class SwitchoverNotReady(Refused):
    """Completing a switchover whose conditions are not all met; each missing one is named."""

    code = "switchover_not_ready"


def propose_switchover(
    campaign: ReprocessingCampaign,
    proposed_date,
    actor: Actor,
    note: str = "",
    l1_software: str = "",
    l1_from=None,
) -> Switchover:
    ledger.require_role(actor, OPERATOR, to=f"propose switchovers ({campaign})", subject=campaign)
    if not l1_software.strip() or l1_from is None:
        ledger.refuse(
            SwitchoverRefused(
                f"switchover to {campaign} refused: the L1 software switch is part of the proposal; name the "
                "ground-software release (l1_software) and the UTC moment it makes new files from (l1_from)"
            ),
            actor,
            campaign,
        )
    with transaction.atomic():
        switchover = Switchover.objects.create(
            campaign=campaign,
            proposed_date=proposed_date,
            proposed_by=actor.label,
            note=note,
            l1_software=l1_software.strip(),
            l1_from=l1_from,
        )
        ledger.record_event(
            events.SWITCHOVER_PROPOSED,
            f"{switchover} proposed; L1 switches to {switchover.l1_software} "
            f"from {l1_from:%Y-%m-%d %H:%M:%S} UTC",
            actor,
            subject=switchover,
        )
    return switchover


def agree_switchover(switchover: Switchover, actor: Actor):
    """The operator's or the FSSC's agreement (the side is the actor's role; an operator speaks
    for the operators); the second one makes it agreed by both. Decided on the locked row, so two
    sides agreeing at once both count."""
    ledger.require_role(actor, OPERATOR, FSSC, to=f"agree to the {switchover}", subject=switchover)
    side, other = ("operator", "fssc") if actor.has_role(OPERATOR) else ("fssc", "operator")
    with atomic_refusing(actor):
        locked = Switchover.objects.select_for_update().get(pk=switchover.pk)
        target = "agreed" if locked.state == f"{other}_agreed" else f"{side}_agreed"
        row = ledger.transition(locked, target, actor, f"agreed by {side}", side=side)
    switchover.refresh_from_db()
    return row


def record_l1_switch(switchover: Switchover, actor: Actor, note: str = ""):
    """The L1 software switch was made as agreed."""
    ledger.require_role(actor, OPERATOR, to=f"record the L1 switch of the {switchover}", subject=switchover)
    reason = (
        note
        or f"L1 now runs {switchover.l1_software} (new files from {switchover.l1_from:%Y-%m-%d %H:%M:%S} UTC)"
    )
    return ledger.transition(switchover, "l1_switched", actor, reason, l1_software=switchover.l1_software)


def complete_switchover(switchover: Switchover, actor: Actor, note: str = ""):
    """The switch is made: refused, naming each missing condition, unless all hold; then the
    campaign is released and put first in FT2/current."""
    ledger.require_role(actor, OPERATOR, to=f"complete the {switchover}", subject=switchover)
    missing = [c for c in switchover_conditions(switchover) if not c.met]
    if missing:
        ledger.refuse(
            SwitchoverNotReady(
                f"the {switchover} cannot be completed: "
                + "; ".join(f"{c.name}: {c.detail}" for c in missing),
                details={"missing": [c.name for c in missing]},
            ),
            actor,
            switchover,
        )
    campaign = switchover.campaign
    with atomic_refusing(actor):
        locked = Switchover.objects.select_for_update().get(pk=switchover.pk)
        row = ledger.transition(locked, "done", actor, note or "switchover done")
        release_campaign(campaign, actor, f"switchover of {switchover.proposed_date} done")
        if Collection.objects.filter(name=conf.ft2_chain()).exists():
            registry.prepend_to_chain(conf.ft2_chain(), campaign.collection.name, actor)
        else:
            registry.set_chain(conf.ft2_chain(), [campaign.collection.name], actor)
    switchover.refresh_from_db()
    return row


def cancel_switchover(switchover: Switchover, actor: Actor, reason: str = ""):
    ledger.require_role(actor, OPERATOR, to=f"cancel the {switchover}", subject=switchover)
    return ledger.transition(switchover, "cancelled", actor, reason or "cancelled")
