"""Retry the selected failed runs of a campaign at once (the campaign page's grid, the API): each
is sent back to the step it failed in through the ledger's retry, all or none. A selection with a
run that is not failed (retried meanwhile, never failed) or not in the campaign changes nothing
and is refused, recorded."""

from __future__ import annotations

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest, Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import atomic_refusing

from ..models import CampaignRun, ReprocessingCampaign


class NoRunsSelected(InvalidRequest):
    """A retry of a campaign's failed runs that names none."""

    code = "no_runs_selected"


class UnknownRuns(InvalidRequest):
    """A retry naming runs the campaign does not have: nothing was retried."""

    code = "unknown_runs"


class RunsNotFailed(Refused):
    """Some selected runs are not in error: nothing was retried."""

    code = "runs_not_failed"


def retry_failed_runs(campaign: ReprocessingCampaign, run_ids: list[int], actor: Actor) -> dict:
    """Send the campaign's runs ``run_ids`` (data run ids), all failed, back to the step each
    failed in; their tasks start after the commit. Returns the data run ids retried."""
    ledger.require_role(actor, OPERATOR, to=f"retry runs of campaign {campaign}", subject=campaign)
    wanted = sorted(set(run_ids))
    if not wanted:
        ledger.refuse(
            NoRunsSelected(f"campaign {campaign}: select the failed runs to retry"),
            actor,
            campaign,
        )
    runs = list(
        CampaignRun.objects.filter(campaign=campaign, data_run__run_id__in=wanted)
        .select_related("data_run")
        .order_by("data_run__run_id")
    )
    unknown = sorted(set(wanted) - {run.data_run.run_id for run in runs})
    if unknown:
        ledger.refuse(
            UnknownRuns(
                f"campaign {campaign} has no run {', '.join(str(r) for r in unknown)}; nothing was retried",
                details={"unknown": unknown},
            ),
            actor,
            campaign,
        )
    with atomic_refusing(actor):
        _refuse_unless_failed(campaign, runs, actor)
        for run in runs:
            ledger.retry(run, actor, f"retried with {len(runs)} selected runs of {campaign}")
    return {"retried": [run.data_run.run_id for run in runs]}


def _refuse_unless_failed(campaign, runs: list[CampaignRun], actor: Actor) -> None:
    """Lock the runs and refuse if any is not in error (the page that offered them was stale)."""
    states = dict(
        CampaignRun.objects.select_for_update()
        .filter(pk__in=[run.pk for run in runs])
        .order_by("pk")
        .values_list("pk", "state")
    )
    not_failed = {str(run.data_run): states[run.pk] for run in runs if states[run.pk] != "error"}
    if not_failed:
        listed = ", ".join(f"{name} ({state})" for name, state in not_failed.items())
        ledger.refuse(
            RunsNotFailed(
                f"campaign {campaign}: only failed runs are retried and {listed} "
                f"{'is' if len(not_failed) == 1 else 'are'} not failed; nothing was retried, "
                "reload the page and select again",
                details={"not_failed": not_failed},
            ),
            actor,
            campaign,
        )
