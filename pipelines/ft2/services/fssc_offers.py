"""Offering a ready run's current 1-s and 30-s files to the FSSC. A file made without a livetime
source (LIVETIME 0, LIVETSRC 'none') is never offered: the offer is refused with what to provide."""

from __future__ import annotations

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor

from ... import events
from ..models import CampaignRun, FsscDelivery

WHAT_TO_PROVIDE = (
    "make its files again with a livetime source: register the run's livetime table (manage.py "
    "register_ft2_inputs) or set PIPELINES_LIVETIME_COMMAND, and process it in a campaign whose "
    "livetime source is table, command or previous-ft2"
)


class NoLivetime(Refused):
    """The files were made without a livetime source: they may not leave the portal."""

    code = "no_livetime_source"


def no_livetime(what: str, runs: list[str]) -> NoLivetime:
    listed = ", ".join(runs[:10]) + (f" and {len(runs) - 10} more" if len(runs) > 10 else "")
    return NoLivetime(
        f"{what}: {len(runs)} runs have FT2 files made without a livetime source (LIVETIME 0): {listed}; "
        + WHAT_TO_PROVIDE,
        details={"runs": runs},
    )


def offer_run_to_fssc(run: CampaignRun, actor: Actor) -> list[FsscDelivery]:
    """Offer a ready run's current files to the FSSC (idempotent); refused without livetime."""
    ledger.require_role(actor, OPERATOR, to=f"offer runs to the FSSC ({run})", subject=run)
    if run.state != "ready":
        ledger.refuse(
            Refused(f"{run} is {run.state_label}, not ready: only validated runs are offered to the FSSC"),
            actor,
            run,
        )
    if run.without_livetime:
        ledger.refuse(no_livetime(f"{run} cannot be offered to the FSSC", [str(run.data_run)]), actor, run)
    return [
        FsscDelivery.objects.get_or_create(product=product, defaults={"campaign_run": run})[0]
        for product in (run.ft2_1s, run.ft2_30s)
    ]


def offer_if_releasable(run: CampaignRun, actor: Actor) -> None:
    """A run that became ready is offered at once, unless it has no livetime (then it is recorded)."""
    if run.without_livetime:
        ledger.record_event(
            events.RUN_WITHOUT_LIVETIME,
            f"{run} is ready but not offered to the FSSC: its files have no livetime source",
            actor,
            subject=run,
        )
        return
    offer_run_to_fssc(run, actor)
