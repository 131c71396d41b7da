"""What completing a switchover waits for (steps 7-13 of the FT2 velocity change procedure,
STGEN-165): its campaign validated, the L1 software switch made as agreed, the backfill done up to
the moment L1 switched, every run of the campaign ingested at the FSSC. Each condition says what is
missing."""

from __future__ import annotations

from dataclasses import dataclass

from ...science.eventfile import utc_to_met
from ..models import Switchover
from .ft2_inputs import discoverable_runs

RUNS_NAMED = 10


@dataclass(frozen=True)
class Condition:
    name: str
    met: bool
    detail: str


def _named(run_ids: list[int]) -> str:
    text = ", ".join(f"r{r:010d}" for r in run_ids[:RUNS_NAMED])
    return text + (f" and {len(run_ids) - RUNS_NAMED} more" if len(run_ids) > RUNS_NAMED else "")


def switchover_conditions(switchover: Switchover) -> list[Condition]:
    campaign = switchover.campaign
    runs = campaign.campaign_runs
    conditions = [
        Condition(
            "campaign validated",
            campaign.state == "validated",
            f"campaign {campaign} is {campaign.state_label}"
            + ("" if campaign.state == "validated" else ": every run must pass validation"),
        ),
        Condition(
            "L1 software switched",
            switchover.state == "l1_switched",
            f"L1 switches to {switchover.l1_software or '(not named)'} "
            f"from {switchover.l1_from or '(no date)'}: "
            + ("made" if switchover.state == "l1_switched" else "not made yet (record it once agreed)"),
        ),
    ]
    if switchover.l1_from is None:
        conditions.append(Condition("backfill done", False, "no L1 switch date, so no backfill end"))
    else:
        until = utc_to_met(switchover.l1_from)
        first = campaign.first_run if campaign.first_run is not None else 0
        left_out = list(
            discoverable_runs(first, int(until) - 1)
            .exclude(campaign_runs__campaign=campaign)
            .order_by("run_id")
            .values_list("run_id", flat=True)
        )
        done = campaign.backfills > 0 and not left_out
        if done:
            detail = f"backfill reached run {campaign.backfilled_to}: every run before the L1 switch is in"
        elif campaign.backfills == 0:
            detail = "no backfill pass yet: backfill up to the L1 switch"
        else:
            detail = (
                f"{len(left_out)} runs registered before the L1 switch are not in the campaign: "
                f"{_named(left_out)}; backfill up to the L1 switch"
            )
        conditions.append(Condition("backfill done", done, detail))
    waiting = list(
        runs.exclude(state="delivered")
        .order_by("data_run__run_id")
        .values_list("data_run__run_id", flat=True)
    )
    conditions.append(
        Condition(
            "every run ingested at the FSSC",
            not waiting,
            "all runs ingested"
            if not waiting
            else f"{len(waiting)} runs not ingested yet: {_named(waiting)}",
        )
    )
    return conditions
