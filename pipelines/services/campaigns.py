"""Reprocessing campaigns: define one over a range or list of data runs, start (or re-run) a
pass with one task per run not yet complete, finish the pass when every run has, release."""

from __future__ import annotations

import re
from typing import NoReturn

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest, Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor

from .. import conf
from ..models import CampaignRun, DataRun, ReprocessingCampaign
from ..selectors import RUN_DONE_STATES, campaign_progress, outputs_complete, runs_with_outputs

PROCESS_RUN_TASK = "pipelines.tasks.process_campaign_run"
FINISH_PASS_TASK = "pipelines.tasks.finish_campaign_pass"
CAMPAIGN_NAME = re.compile(r"[Pp][A-Za-z0-9]{1,30}")


class CampaignError(InvalidRequest):
    """A campaign request that cannot be carried out; nothing was changed."""

    code = "campaign_refused"


def create_campaign(
    name: str,
    actor: Actor,
    *,
    first_run: int | None = None,
    last_run: int | None = None,
    run_ids: list[int] | None = None,
    description: str = "",
    lat_config: int | None = None,
    data_qual: int | None = None,
) -> ReprocessingCampaign:
    """Define a campaign over the data runs in [first_run, last_run] or in ``run_ids``."""
    ledger.require_role(actor, OPERATOR, to=f"define campaigns ({name})")
    runs = _select_runs(name, first_run, last_run, run_ids, actor)
    with transaction.atomic():
        campaign = ReprocessingCampaign.objects.create(
            name=name,
            collection=ledger.get_run_collection(name, description or f"reprocessing campaign {name}"),
            first_run=first_run if run_ids is None else min(r.run_id for r in runs),
            last_run=last_run if run_ids is None else max(r.run_id for r in runs),
            description=description,
            proc_ver=conf.proc_ver(name),
            data_qual=conf.data_qual() if data_qual is None else data_qual,
            lat_config=conf.lat_config() if lat_config is None else lat_config,
        )
        campaign.runs.add(*runs)
        CampaignRun.objects.bulk_create(
            CampaignRun(campaign=campaign, data_run=run, state=CampaignRun.machine.initial) for run in runs
        )
        ledger.record_event(
            "campaign_created", f"campaign {name} over {len(runs)} runs", actor, subject=campaign
        )
    return campaign


def _select_runs(name: str, first_run, last_run, run_ids, actor: Actor) -> list[DataRun]:
    """The data runs a campaign request selects; refused (CampaignError) when it cannot be made."""

    def refused(why: str) -> NoReturn:
        ledger.refuse(CampaignError(f"campaign {name!r} refused: {why}", details={"name": name}), actor)

    if not CAMPAIGN_NAME.fullmatch(name or ""):
        refused(f"campaign name {name!r} must be P followed by letters or digits, e.g. P310")
    if ReprocessingCampaign.objects.filter(name=name).exists():
        refused(f"campaign {name} exists already; re-run it or choose another name")
    if (run_ids is None) == (first_run is None or last_run is None):
        refused("select runs either by a range (first and last run) or by a list, not both")
    if run_ids is not None:
        runs = list(DataRun.objects.filter(run_id__in=run_ids))
        missing = sorted(set(run_ids) - {run.run_id for run in runs})
        if missing:
            refused(f"unknown data runs: {', '.join(str(r) for r in missing)}")
    else:
        if first_run > last_run:
            refused(f"first run {first_run} is after last run {last_run}")
        runs = list(DataRun.objects.filter(run_id__range=(first_run, last_run)))
    if not runs:
        refused("no data run selected")
    return runs


def pass_key(campaign: ReprocessingCampaign) -> str:
    """The fan-in that waits for the runs of the campaign's current pass."""
    return f"pipelines.campaign:{campaign.pk}:pass:{campaign.current_pass}"


def start_campaign(campaign: ReprocessingCampaign, actor: Actor) -> dict:
    """Start (or re-run) a campaign: one task per run that is not complete and valid, on the fits
    queue after commit; the pass's fan-in moves the campaign to validating when they all finish.
    The move to running, the pass, its fan-in and its tasks are one transaction: all or nothing."""
    ledger.require_role(actor, OPERATOR, to=f"start campaign {campaign}", subject=campaign)
    try:
        with transaction.atomic():
            return _start_pass(campaign, actor)
    except Refused as error:
        ledger.refuse(error, actor, campaign)  # its event was rolled back with the pass: again, outside


def _start_pass(campaign: ReprocessingCampaign, actor: Actor) -> dict:
    ledger.transition(campaign, "running", actor, "started")  # locks the campaign's row
    ReprocessingCampaign.objects.filter(pk=campaign.pk).update(
        current_pass=F("current_pass") + 1, started_at=timezone.now()
    )
    campaign.refresh_from_db(fields=["current_pass", "started_at"])
    skipped, queued, retried = 0, [], []
    for run in runs_with_outputs(campaign):
        if run.state in RUN_DONE_STATES and outputs_complete(run, run.active_bti):
            skipped += 1
        elif run.state == "delivered":
            skipped += 1  # already ingested by the FSSC: a change needs a new campaign
        elif run.state == "error":
            retried.append(run)
        else:
            queued.append(run)
    work = len(queued) + len(retried)
    ledger.record_event(
        "campaign_pass_started",
        f"{campaign} pass {campaign.current_pass}: {work} runs to process, {skipped} complete and skipped",
        actor,
        subject=campaign,
        queued=len(queued),
        retried=len(retried),
        skipped=skipped,
    )
    if work:
        ledger.fan_in_open(pass_key(campaign), work, FINISH_PASS_TASK, campaign_id=campaign.pk)
    else:
        ledger.enqueue(FINISH_PASS_TASK, campaign_id=campaign.pk)
    for run in queued:
        ledger.enqueue(PROCESS_RUN_TASK, run.pk)
    for run in retried:
        ledger.retry(run, actor, f"{campaign} re-run")
    return {"pass": campaign.current_pass, "queued": len(queued), "retried": len(retried), "skipped": skipped}


def finish_campaign_pass(campaign_id: int, actor: Actor) -> None:
    """Continuation of a pass: running -> validating, then validated if every run passed."""
    campaign = ReprocessingCampaign.objects.get(pk=campaign_id)
    if campaign.state == "running":
        progress = campaign_progress(campaign)
        ledger.transition(
            campaign,
            "validating",
            actor,
            f"pass {campaign.current_pass} finished: {progress.done} ready, {progress.failed} failed",
        )
    validate_campaign_if_complete(campaign.pk, actor)


def validate_campaign_if_complete(campaign_id: int, actor: Actor) -> None:
    """A validating campaign whose runs all passed is validated."""
    with transaction.atomic():
        # The lock makes two runs finishing together agree on who validates the campaign.
        campaign = ReprocessingCampaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != "validating":
            return
        counts = campaign.campaign_runs.aggregate(
            total=Count("pk"), passed=Count("pk", filter=Q(state__in=RUN_DONE_STATES, qa_passed=True))
        )
        if counts["total"] and counts["passed"] == counts["total"]:
            ledger.transition(
                campaign,
                "validated",
                actor,
                f"all {counts['total']} runs passed the velocity check, fitsverify and the comparison",
            )


def release_campaign(campaign: ReprocessingCampaign, actor: Actor, reason: str = "released"):
    ledger.require_role(actor, OPERATOR, to=f"release campaign {campaign}", subject=campaign)
    return ledger.transition(campaign, "released", actor, reason)
