"""Reprocessing campaigns: define one over the runs registered in a MET range (or a list of runs),
with its definition set, mode and livetime source; start (or re-run) a pass with one task per run
not yet complete, finish the pass when every run has, release (never with runs lacking livetime)."""

from __future__ import annotations

import re
from typing import NoReturn

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import atomic_refusing
from l2portal.registry import services as registry

from ... import conf, events, task_names
from ...halfpipe.models import DataRun
from ...science import ft2science
from ..models import CampaignRun, ReprocessingCampaign
from ..selectors import RUN_DONE_STATES, campaign_progress, outputs_complete, runs_with_outputs
from ..selectors.ft2_inputs import discoverable_runs, runs_with_previous_ft2
from .fssc_offers import no_livetime

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
    definitions: str | None = None,
    mode: str | None = None,
    livetime_source: str | None = None,
) -> ReprocessingCampaign:
    """Define a campaign over the runs registered in [first_run, last_run] (those with a magic7
    input) or over ``run_ids``. Defaults: the definition set and livetime source of the settings;
    carry-forward where any run has a previous FT2 registered (FT2/current), else generate."""
    ledger.require_role(actor, OPERATOR, to=f"define campaigns ({name})")
    runs = _select_runs(name, first_run, last_run, run_ids, actor)
    definitions = definitions or conf.ft2_definitions()
    livetime_source = livetime_source or conf.livetime_source()
    _check_choices(name, definitions, mode, livetime_source, actor)
    with_previous = runs_with_previous_ft2([r.run_id for r in runs])
    mode = mode or (
        ReprocessingCampaign.Mode.CARRY_FORWARD if with_previous else ReprocessingCampaign.Mode.GENERATE
    )
    with transaction.atomic():
        campaign = ReprocessingCampaign.objects.create(
            name=name,
            collection=registry.get_run_collection(name, description or f"reprocessing campaign {name}"),
            first_run=first_run if run_ids is None else min(r.run_id for r in runs),
            last_run=last_run if run_ids is None else max(r.run_id for r in runs),
            description=description,
            proc_ver=conf.proc_ver(name),
            data_qual=conf.data_qual() if data_qual is None else data_qual,
            lat_config=conf.lat_config() if lat_config is None else lat_config,
            definitions=definitions,
            mode=mode,
            livetime_source=livetime_source,
        )
        add_runs(campaign, runs, joined_pass=1)
        ledger.record_event(
            events.CAMPAIGN_CREATED,
            f"campaign {name} over {len(runs)} runs ({len(with_previous)} with a previous FT2), {mode}, "
            f"definitions {definitions}, livetime from {livetime_source}",
            actor,
            subject=campaign,
            runs=len(runs),
            with_previous=len(with_previous),
        )
    return campaign


def add_runs(campaign: ReprocessingCampaign, runs: list[DataRun], joined_pass: int) -> None:
    campaign.runs.add(*runs)
    CampaignRun.objects.bulk_create(
        CampaignRun(
            campaign=campaign, data_run=run, state=CampaignRun.machine.initial, joined_pass=joined_pass
        )
        for run in runs
    )


def _check_choices(name, definitions, mode, livetime_source, actor: Actor) -> None:
    problems = []
    if definitions not in ft2science.available():
        problems.append(
            f"unknown definition set {definitions!r} (available: {', '.join(ft2science.available())})"
        )
    if mode is not None and mode not in ReprocessingCampaign.Mode.values:
        problems.append(f"mode {mode!r} is not one of {', '.join(ReprocessingCampaign.Mode.values)}")
    if livetime_source not in ReprocessingCampaign.LivetimeSource.values:
        choices = ", ".join(ReprocessingCampaign.LivetimeSource.values)
        problems.append(f"livetime source {livetime_source!r} is not one of {choices}")
    if problems:
        ledger.refuse(
            CampaignError(
                f"campaign {name!r} refused: {'; '.join(problems)}", details={"problems": problems}
            ),
            actor,
        )


def _select_runs(name: str, first_run, last_run, run_ids, actor: Actor) -> list[DataRun]:
    """The data runs a campaign request selects; refused (CampaignError) when it cannot be made."""

    def refused(why: str) -> NoReturn:
        ledger.refuse(CampaignError(f"campaign {name!r} refused: {why}", details={"name": name}), actor)

    if not CAMPAIGN_NAME.fullmatch(name or ""):
        refused(f"campaign name {name!r} must be P followed by letters or digits, e.g. P310")
    if ReprocessingCampaign.objects.filter(name=name).exists():
        refused(f"campaign {name} exists already; re-run it or choose another name")
    has_range = first_run is not None or last_run is not None
    if run_ids is None and not has_range:
        refused("give a range of runs (first and last run) or a list of runs")
    if run_ids is not None and has_range:
        refused("give a range of runs or a list of runs, not both")
    if run_ids is None and (first_run is None or last_run is None):
        refused(f"give the {'first' if first_run is None else 'last'} run of the range as well")
    if run_ids is not None:
        runs = list(DataRun.objects.filter(run_id__in=run_ids))
        missing = sorted(set(run_ids) - {run.run_id for run in runs})
        if missing:
            refused(f"unknown data runs: {', '.join(str(r) for r in missing)}")
    else:
        if first_run > last_run:
            refused(f"first run {first_run} is after last run {last_run}")
        runs = list(discoverable_runs(first_run, last_run))
    if not runs:
        refused("no data run with a magic7 input in the selection; register the inputs (register_ft2_inputs)")
    return runs


def pass_key(campaign: ReprocessingCampaign, number: int | None = None) -> str:
    """The fan-in that waits for the runs queued in a pass (by default the current one)."""
    return f"pipelines.campaign:{campaign.pk}:pass:{campaign.current_pass if number is None else number}"


def start_campaign(campaign: ReprocessingCampaign, actor: Actor) -> dict:
    """Start (or re-run) a campaign: one task per run that is not complete and valid, on the fits
    queue after commit; the pass's fan-in moves the campaign to validating when they all finish.
    The move to running, the pass, its fan-in and its tasks are one transaction: all or nothing."""
    ledger.require_role(actor, OPERATOR, to=f"start campaign {campaign}", subject=campaign)
    with atomic_refusing(actor):
        ledger.transition(campaign, "running", actor, "started")  # locks the campaign's row
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
        return open_pass(campaign, actor, queued, retried, skipped)


def open_pass(
    campaign: ReprocessingCampaign, actor: Actor, queued: list, retried: list, skipped: int
) -> dict:
    """A new pass over ``queued`` runs (sent to the workers) and ``retried`` ones (sent back to the
    step that failed), in the caller's transaction with the campaign's row locked. Each run
    reports to the fan-in of the pass it was queued in, so passes may overlap (a backfill)."""
    ReprocessingCampaign.objects.filter(pk=campaign.pk).update(
        current_pass=F("current_pass") + 1, started_at=timezone.now()
    )
    campaign.refresh_from_db(fields=["current_pass", "started_at"])
    work = [run.pk for run in (*queued, *retried)]
    CampaignRun.objects.filter(pk__in=work).update(queued_pass=campaign.current_pass)
    ledger.record_event(
        events.CAMPAIGN_PASS_STARTED,
        f"{campaign} pass {campaign.current_pass}: {len(work)} runs to process, "
        f"{skipped} complete and skipped",
        actor,
        subject=campaign,
        queued=len(queued),
        retried=len(retried),
        skipped=skipped,
    )
    if work:
        ledger.fan_in_open(
            pass_key(campaign), len(work), task_names.FINISH_CAMPAIGN_PASS, campaign_id=campaign.pk
        )
    else:
        ledger.enqueue(task_names.FINISH_CAMPAIGN_PASS, campaign_id=campaign.pk)
    for run in queued:
        ledger.enqueue(task_names.PROCESS_CAMPAIGN_RUN, run.pk, waiting=run)
    for run in retried:
        ledger.retry(run, actor, f"{campaign} re-run")
    return {"pass": campaign.current_pass, "queued": len(queued), "retried": len(retried), "skipped": skipped}


def finish_campaign_pass(campaign_id: int, actor: Actor) -> None:
    """Continuation of a pass: running -> validating once no run of any pass is left to process,
    then validated if every run passed."""
    campaign = ReprocessingCampaign.objects.get(pk=campaign_id)
    if campaign.state == "running":
        progress = campaign_progress(campaign)
        if progress.remaining:
            return  # a later pass (a backfill) still works; its own fan-in comes back here
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
    """Release a validated campaign; refused while any of its runs has files without livetime."""
    ledger.require_role(actor, OPERATOR, to=f"release campaign {campaign}", subject=campaign)
    lacking = list(
        campaign.campaign_runs.filter(livetime_source="none")
        .order_by("data_run__run_id")
        .values_list("data_run__run_id", flat=True)
    )
    if lacking:
        runs = [f"r{run_id:010d}" for run_id in lacking]
        ledger.refuse(no_livetime(f"campaign {campaign} cannot be released", runs), actor, campaign)
    return ledger.transition(campaign, "released", actor, reason)
