"""Pipelines operations: magic7 registration, reprocessing campaigns (FT2 generation, BTI
flagging, validation, progress), BTI sets, FSSC deliveries and the switchover.

The only place in the app where states change and tasks are enqueued; the science is in the pure
modules (magic7, ft2, ft2qa, bti)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from l2portal.files import sha256_file
from l2portal.ledger import services as ledger
from l2portal.ledger.execution import TransientError, recording
from l2portal.ledger.models import FanIn
from l2portal.ledger.roles import FSSC, OPERATOR, has_role
from l2portal.ledger.services import Actor
from l2portal.ledger.states import TransitionNotAllowed

from . import bti, conf, orbitgen
from .ft2 import Ft2Config, Ft2Error, make_ft2, product_filename
from .ft2qa import check_velocity_file, compare_with_previous
from .magic7 import Magic7Error, read_magic7
from .models import (
    BtiInterval,
    BtiSet,
    CampaignRun,
    DataRun,
    FsscDelivery,
    Magic7Input,
    ReprocessingCampaign,
    Switchover,
)

PROCESS_RUN_TASK = "pipelines.tasks.process_campaign_run"
FINISH_PASS_TASK = "pipelines.tasks.finish_campaign_pass"
RUN_DONE_STATES = ("ready", "delivered")
RUN_WORKING_STATES = ("generating", "flagging", "validating")
CAMPAIGN_NAME = re.compile(r"[Pp][A-Za-z0-9]{1,30}")
BIN_SIZES = ((1.0, "1s"), (30.0, "30s"))
PARSE_PROBLEMS_KEPT = 50
FITSVERIFY_TIMEOUT = 600  # s
# What ExecutionTask retries with backoff: never turned into a failed run.
RETRYABLE = (TransientError, OperationalError, InterfaceError, ConnectionError, TimeoutError)


class CampaignError(ValueError):
    """A campaign request that cannot be carried out; nothing was changed."""


class RunFailed(Exception):
    """A campaign run cannot go on; the message says why, ``details`` go into its history."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.details = details


class BtiRefused(ValueError):
    pass


class ChecksumMismatch(ValueError):
    pass


# --- magic7 inputs ----------------------------------------------------------------------------


def magic7_collection():
    return ledger.get_run_collection(conf.magic7_collection(), "magic7 telemetry inputs of the data runs")


def register_magic7(
    run_id: int, source: Path, met_start: float, met_stop: float, actor: Actor
) -> Magic7Input:
    """Register a magic7 file as the input of a data run (created if new). The file is copied
    into the magic7 collection under a name carrying its checksum, so a corrected file is a new
    product and becomes the run's input, while the old one stays registered."""
    if not met_stop > met_start:
        raise CampaignError(f"magic7 span stop {met_stop} must be after start {met_start}")
    source = Path(source)
    collection = magic7_collection()
    suffix = ".txt.gz" if source.name.endswith(".gz") else ".txt"
    name = f"{collection.name.lower()}_magic7_r{run_id:010d}_{sha256_file(source)[:12]}{suffix}"
    relative = ledger.product_path(collection, "magic7", name)
    data_run, _ = DataRun.objects.get_or_create(run_id=run_id)
    with recording(
        "pipelines.register_magic7",
        parameters={"run_id": run_id, "source": str(source), "met_start": met_start, "met_stop": met_stop},
        subject=data_run,
    ):
        product = ledger.write_product(
            collection,
            relative,
            "magic7",
            lambda tmp: shutil.copyfile(source, tmp),
            metadata={"run_id": run_id, "met_start": met_start, "met_stop": met_stop, "actor": actor.label},
        )
    # Registering a file again makes it the run's input again.
    magic7_input, _ = Magic7Input.objects.update_or_create(
        data_run=data_run,
        product=product,
        defaults={"met_start": met_start, "met_stop": met_stop, "created_at": timezone.now()},
    )
    return magic7_input


def generate_demo_magic7(run_ids, seconds: float, actor: Actor, seed: int = 0) -> list[Magic7Input]:
    """Synthetic magic7 files (pipelines.orbitgen) covering [run, run + seconds) of each run."""
    registered = []
    with tempfile.TemporaryDirectory() as folder:
        for run_id in run_ids:
            path = Path(folder) / f"r{run_id}.magic7"
            orbitgen.write_magic7(path, run_id, run_id + seconds, seed=seed + run_id % 1000)
            registered.append(register_magic7(run_id, path, float(run_id), float(run_id + seconds), actor))
    return registered


def latest_magic7(data_run: DataRun) -> Magic7Input | None:
    return data_run.magic7_inputs.select_related("product").first()


# --- BTI sets ---------------------------------------------------------------------------------


def active_bti_set(data_run_id: int) -> BtiSet | None:
    """The most recently submitted set of the run, or None."""
    return (
        BtiSet.objects.filter(data_run_id=data_run_id, submitted_at__isnull=False)
        .order_by("-submitted_at", "-version")
        .first()
    )


def active_bti_subquery():
    return Subquery(
        BtiSet.objects.filter(data_run=OuterRef("data_run"), submitted_at__isnull=False)
        .order_by("-submitted_at", "-version")
        .values("pk")[:1]
    )


def submit_bti_set(run_id: int, intervals: list[dict], actor: Actor, reason: str = "") -> BtiSet:
    """Store and submit a new version of the run's BTI set; it becomes the active one."""
    data_run = DataRun.objects.filter(run_id=run_id).first()
    problems = [] if data_run else [f"no data run r{run_id:010d}"]
    parsed = []
    if not intervals:
        problems.append("a BTI set needs at least one interval")
    for number, entry in enumerate(intervals, start=1):
        try:
            parsed.append(bti.BadTimeInterval(float(entry["start"]), float(entry["stop"]), entry["value"]))
        except (KeyError, TypeError, ValueError) as error:
            problems.append(f"interval {number}: {error}")
    if problems:
        message = f"BTI set for run {run_id} refused: " + "; ".join(problems)
        ledger.record_event("bti_set_refused", message, actor, subject=data_run, problems=problems)
        raise BtiRefused(message)
    with transaction.atomic():
        DataRun.objects.select_for_update().filter(pk=data_run.pk).get()  # one new version at a time
        latest = data_run.bti_sets.order_by("-version").values_list("version", flat=True).first() or 0
        bti_set = BtiSet.objects.create(
            data_run=data_run,
            version=latest + 1,
            creator=actor.user,
            creator_label=actor.label,
            reason=reason,
        )
        BtiInterval.objects.bulk_create(
            BtiInterval(bti_set=bti_set, start=i.start, stop=i.stop, value=int(i.value)) for i in parsed
        )
        bti_set.submitted_at = timezone.now()
        bti_set.save(update_fields=["submitted_at"])
        ledger.record_event(
            "bti_set_submitted",
            f"{bti_set} submitted with {len(parsed)} intervals",
            actor,
            subject=data_run,
            bti_set=bti_set.pk,
            version=bti_set.version,
        )
    return bti_set


# --- campaigns --------------------------------------------------------------------------------


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
    try:
        runs = _select_runs(name, first_run, last_run, run_ids)
    except CampaignError as error:
        ledger.record_event("campaign_refused", f"campaign {name!r} refused: {error}", actor)
        raise
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


def _select_runs(name: str, first_run, last_run, run_ids) -> list[DataRun]:
    """The data runs a campaign request selects; CampaignError says why it cannot be made."""
    if not CAMPAIGN_NAME.fullmatch(name or ""):
        raise CampaignError(f"campaign name {name!r} must be P followed by letters or digits, e.g. P310")
    if ReprocessingCampaign.objects.filter(name=name).exists():
        raise CampaignError(f"campaign {name} exists already")
    if (run_ids is None) == (first_run is None or last_run is None):
        raise CampaignError("select runs either by a range (first and last run) or by a list, not both")
    if run_ids is not None:
        runs = list(DataRun.objects.filter(run_id__in=run_ids))
        missing = sorted(set(run_ids) - {run.run_id for run in runs})
        if missing:
            raise CampaignError(f"unknown data runs: {', '.join(str(r) for r in missing)}")
    else:
        if first_run > last_run:
            raise CampaignError(f"first run {first_run} is after last run {last_run}")
        runs = list(DataRun.objects.filter(run_id__range=(first_run, last_run)))
    if not runs:
        raise CampaignError("no data run selected")
    return runs


def pass_key(campaign: ReprocessingCampaign) -> str:
    return f"pipelines.campaign:{campaign.pk}:pass:{campaign.current_pass}"


def _campaign_runs(campaign: ReprocessingCampaign):
    return campaign.campaign_runs.select_related(
        "data_run", "ft2_1s_unflagged", "ft2_30s_unflagged", "ft2_1s", "ft2_30s"
    ).annotate(active_bti=active_bti_subquery())


def outputs_complete(run: CampaignRun, active_bti_id: int | None) -> bool:
    """All four files registered and on disk at their size, validated, flagged with the active set."""
    products = (run.ft2_1s_unflagged, run.ft2_30s_unflagged, run.ft2_1s, run.ft2_30s)
    if any(p is None for p in products) or run.qa_passed is not True or run.bti_set_id != active_bti_id:
        return False
    for product in products:
        path = ledger.absolute_path(product)
        if not path.is_file() or path.stat().st_size != product.size:
            return False
    return True


def start_campaign(campaign: ReprocessingCampaign, actor: Actor) -> dict:
    """Start (or re-run) a campaign: one task per run that is not complete and valid, on the fits
    queue after commit; the pass's fan-in moves the campaign to validating when they all finish."""
    ledger.transition(campaign, "running", actor, "started")
    with transaction.atomic():
        campaign = ReprocessingCampaign.objects.select_for_update().get(pk=campaign.pk)
        campaign.current_pass += 1
        campaign.started_at = timezone.now()
        campaign.save(update_fields=["current_pass", "started_at"])
        skipped, queued, retried = 0, [], []
        for run in _campaign_runs(campaign):
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
            f"{campaign} pass {campaign.current_pass}: {work} runs to process, "
            f"{skipped} complete and skipped",
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
    _validate_campaign_if_complete(campaign.pk, actor)


def _validate_campaign_if_complete(campaign_id: int, actor: Actor) -> None:
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
    return ledger.transition(campaign, "released", actor, reason)


# --- one run of a campaign --------------------------------------------------------------------


def process_campaign_run(run_pk: int, actor: Actor) -> str:
    """Carry a campaign run from its current state to ready (or error). Idempotent: each step
    writes through write_product, so a redelivered task finds the products already made."""
    run = CampaignRun.objects.select_related("campaign__collection", "data_run").get(pk=run_pk)
    if run.state in ("error", "delivered"):
        return run.state
    try:
        if run.state == "ready":
            active = active_bti_set(run.data_run_id)
            if outputs_complete(run, active.pk if active else None):
                return _run_finished(run, actor)
            next_state = "flagging" if run.bti_set_id != (active.pk if active else None) else "validating"
            ledger.transition(run, next_state, actor, "outputs incomplete or BTI set changed")
        if run.state == "pending":
            CampaignRun.objects.filter(pk=run.pk).update(started_at=timezone.now())
            ledger.transition(run, "generating", actor, "FT2 generation started")
        if run.state == "generating":
            _generate(run)
            ledger.transition(run, "flagging", actor, "1-s and 30-s FT2 files written")
        if run.state == "flagging":
            reason, changed_bins = _flag(run)
            ledger.transition(run, "validating", actor, reason, changed_bins=changed_bins)
        if run.state == "validating":
            _validate(run)
            ledger.transition(run, "ready", actor, "validation passed")
            for product in (run.ft2_1s, run.ft2_30s):
                FsscDelivery.objects.get_or_create(product=product, defaults={"campaign_run": run})
    except RETRYABLE:
        raise  # the task is retried with backoff; the run stays in its step
    except TransitionNotAllowed:
        return run.state  # another delivery of this task moved it meanwhile; that one carries on
    except (RunFailed, Magic7Error, Ft2Error, bti.BtiError, OSError) as error:
        ledger.fail(run, actor, str(error), **getattr(error, "details", {}))
    except Exception as error:
        # A bug: the run fails (so the campaign is not left waiting) and the Execution shows the traceback.
        ledger.fail(run, actor, f"unexpected {type(error).__name__}: {error}")
        _run_finished(run, actor)
        raise
    return _run_finished(run, actor)


def _run_finished(run: CampaignRun, actor: Actor) -> str:
    CampaignRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    campaign = ReprocessingCampaign.objects.get(pk=run.campaign_id)
    key = pass_key(campaign)
    if FanIn.objects.filter(key=key).exists():
        ledger.fan_in_part_done(key, str(run.pk))
    # A run retried alone after its pass finished may be the last one the campaign waited for.
    _validate_campaign_if_complete(campaign.pk, actor)
    return run.state


def _parse_report(report) -> dict:
    return {
        "summary": report.summary(),
        "counts": report.counts,
        "problems": [[p.line, p.reason] for p in report.problems[:PARSE_PROBLEMS_KEPT]],
    }


def _config(campaign: ReprocessingCampaign, bin_seconds: float) -> Ft2Config:
    return Ft2Config(
        bin_seconds=bin_seconds,
        data_qual=campaign.data_qual,
        lat_config=campaign.lat_config,
        proc_ver=campaign.proc_ver,
        version=campaign.file_version,
    )


def _generate(run: CampaignRun) -> None:
    campaign, run_id = run.campaign, run.data_run.run_id
    magic7_input = latest_magic7(run.data_run)
    if magic7_input is None:
        raise RunFailed(f"no magic7 file registered for run {run.data_run}")
    source = magic7_input.product
    try:
        data = read_magic7(ledger.absolute_path(source))
    except Magic7Error as error:
        raise RunFailed(f"magic7 {source.filename} is unusable: {error}", magic7=source.path) from error
    run.magic7, run.parse_report = source, _parse_report(data.report)
    for bin_seconds, label in BIN_SIZES:
        name = product_filename(bin_seconds, campaign.name, run_id, campaign.file_version)
        name = name.replace(".fit", "_unflagged.fit")
        config = _config(campaign, bin_seconds)
        product = ledger.write_product(
            campaign.collection,
            ledger.product_path(campaign.collection, "unflagged", name),
            f"ft2_{label}_unflagged",
            lambda tmp, config=config, name=name: make_ft2(
                data, magic7_input.met_start, magic7_input.met_stop, config, tmp, filename=name
            ),
            metadata={"run_id": run_id, "bin_seconds": bin_seconds, "version": campaign.file_version},
            inputs=[source],
        )
        setattr(run, f"ft2_{label}_unflagged", product)
    run.save(update_fields=["magic7", "parse_report", "ft2_1s_unflagged", "ft2_30s_unflagged"])


def _flag(run: CampaignRun) -> tuple[str, dict[str, int]]:
    """Apply the active BTI set to both files, as new products (the unflagged ones stay)."""
    campaign, run_id = run.campaign, run.data_run.run_id
    bti_set = active_bti_set(run.data_run_id)
    rows = bti_set.intervals.all() if bti_set else []
    intervals = [bti.BadTimeInterval(i.start, i.stop, i.value) for i in rows]
    version = campaign.file_version
    if run.ft2_1s is not None and run.bti_set_id != (bti_set.pk if bti_set else None):
        version = run.ft2_1s.metadata["version"] + 1  # a new BTI set makes a new file version
    unflagged = {"1s": run.ft2_1s_unflagged, "30s": run.ft2_30s_unflagged}
    changed: dict[str, int] = {}  # bins whose DATA_QUAL changed, per file written now
    bti.require_same_span(ledger.absolute_path(unflagged["1s"]), ledger.absolute_path(unflagged["30s"]))
    for bin_seconds, label in BIN_SIZES:
        name = product_filename(bin_seconds, campaign.name, run_id, version)
        source = unflagged[label]

        def write(tmp, source=source, name=name, label=label):
            changed[label] = bti.flag_file(intervals, ledger.absolute_path(source), tmp, filename=name)

        product = ledger.write_product(
            campaign.collection,
            ledger.product_path(campaign.collection, name),
            f"ft2_{label}",
            write,
            metadata={
                "run_id": run_id,
                "bin_seconds": bin_seconds,
                "version": version,
                "unflagged": source.pk,
                "bti_set": bti_set.pk if bti_set else None,
                "bti_version": bti_set.version if bti_set else None,
            },
            inputs=[source],
        )
        setattr(run, f"ft2_{label}", product)
    run.bti_set = bti_set
    run.save(update_fields=["ft2_1s", "ft2_30s", "bti_set"])
    return (
        f"BTI set v{bti_set.version} applied" if bti_set else "no BTI set yet: DATA_QUAL left as it was",
        changed,
    )


def run_fitsverify(paths: list[Path]) -> tuple[str, str]:
    """("ok" | "failed" | "not available", output) of the configured fitsverify command."""
    command = shlex.split(conf.fitsverify_command())
    if not command or shutil.which(command[0]) is None:
        return "not available", f"{conf.fitsverify_command()!r} is not installed"
    try:
        result = subprocess.run(
            [*command, "-q", "-e", *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=FITSVERIFY_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "failed", f"fitsverify did not finish within {FITSVERIFY_TIMEOUT} s"
    output = (result.stdout + result.stderr).strip()
    return ("ok" if result.returncode == 0 else "failed"), output


def previous_version(run: CampaignRun) -> CampaignRun | None:
    """The same data run in the latest earlier campaign that finished it."""
    return (
        CampaignRun.objects.filter(
            data_run_id=run.data_run_id,
            campaign__created_at__lt=run.campaign.created_at,
            state__in=RUN_DONE_STATES,
            ft2_1s_unflagged__isnull=False,
        )
        .select_related("campaign", "ft2_1s_unflagged", "ft2_30s_unflagged")
        .order_by("-campaign__created_at")
        .first()
    )


def _validate(run: CampaignRun) -> None:
    """Velocity check, fitsverify and the comparison with the previous version; results are
    stored on the run, and any failure fails it with all the reasons."""
    failures = []
    for product in run.products:
        path = ledger.absolute_path(product)
        if not path.is_file():
            raise RunFailed(
                f"{product.path} is missing on disk; it was registered with sha256 {product.sha256}"
            )
        if sha256_file(path) != product.sha256:
            failures.append(f"{product.path} changed on disk since it was registered")
    flagged = [ledger.absolute_path(run.ft2_1s), ledger.absolute_path(run.ft2_30s)]
    checks = [check_velocity_file(path, conf.velocity_tolerance()) for path in flagged]
    run.velocity_worst = max(check.worst_deviation for check in checks)
    run.velocity_passed = all(check.passed for check in checks)
    failures += [check.summary() for check in checks if not check.passed]
    run.fitsverify, run.fitsverify_output = run_fitsverify(flagged)
    if run.fitsverify == "failed":
        failures.append(f"fitsverify: {run.fitsverify_output}")
    previous = previous_version(run)
    run.previous = previous
    if previous is None:
        run.comparison, run.comparison_summary = "none", "no earlier version of this run"
    else:
        # Unflagged against unflagged: a newer BTI set may rightly change DATA_QUAL.
        results = {
            label: compare_with_previous(
                ledger.absolute_path(getattr(run, f"ft2_{label}_unflagged")),
                ledger.absolute_path(getattr(previous, f"ft2_{label}_unflagged")),
            )
            for _, label in BIN_SIZES
        }
        same = all(result.same for result in results.values())
        run.comparison = "same" if same else "changed"
        run.comparison_summary = "; ".join(
            f"{label} vs {previous.campaign}: {result.summary()}" for label, result in results.items()
        )
        if not same:
            failures.append(f"comparison with {previous.campaign}: {run.comparison_summary}")
    run.qa_passed = not failures
    run.save(
        update_fields=[
            "velocity_worst",
            "velocity_passed",
            "fitsverify",
            "fitsverify_output",
            "previous",
            "comparison",
            "comparison_summary",
            "qa_passed",
        ]
    )
    if failures:
        raise RunFailed("validation failed: " + " | ".join(failures), failures=failures)


# --- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    failed: int
    working: int
    done_this_pass: int
    rate_per_hour: float | None
    eta: datetime | None

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def failed_percent(self) -> int:
        return round(100 * self.failed / self.total) if self.total else 0


def progress_for(campaigns) -> dict[int, Progress]:
    """Progress of many campaigns in one grouped query. Rate: runs finished in the current pass
    over the time since it started; the estimate assumes the rate holds."""
    campaigns = {c.pk: c for c in campaigns}
    this_pass = Q(state__in=RUN_DONE_STATES, finished_at__gte=F("campaign__started_at"))
    rows = (
        CampaignRun.objects.filter(campaign_id__in=campaigns)
        .values("campaign_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(state__in=RUN_DONE_STATES)),
            failed=Count("pk", filter=Q(state="error")),
            working=Count("pk", filter=Q(state__in=RUN_WORKING_STATES)),
            done_this_pass=Count("pk", filter=this_pass),
            last_finished=Max("finished_at", filter=this_pass),
        )
        .order_by()
    )
    found = {row["campaign_id"]: row for row in rows}
    now = timezone.now()
    result = {}
    for pk, campaign in campaigns.items():
        row = found.get(pk, {"total": 0, "done": 0, "failed": 0, "working": 0, "done_this_pass": 0})
        rate = eta = None
        remaining = row["total"] - row["done"] - row["failed"]
        if row["done_this_pass"] and campaign.started_at:
            end = now if remaining else row["last_finished"]
            elapsed = max((end - campaign.started_at).total_seconds(), 1e-3)
            rate = row["done_this_pass"] * 3600.0 / elapsed
            if remaining:
                eta = now + timedelta(hours=remaining / rate)
        result[pk] = Progress(
            row["total"], row["done"], row["failed"], row["working"], row["done_this_pass"], rate, eta
        )
    return result


def campaign_progress(campaign: ReprocessingCampaign) -> Progress:
    return progress_for([campaign])[campaign.pk]


# --- FSSC deliveries --------------------------------------------------------------------------


REPORT_TARGETS = {("transfer", "ok"): "transferred", ("ingest", "ok"): "ingested"}


def report_delivery(
    delivery: FsscDelivery, actor: Actor, stage: str, result: str, sha256: str = "", message: str = ""
):
    """Record the FSSC's transfer or ingest result for one file. An ok report must carry the
    file's sha256; a different one is refused, recorded as an event, and the state stays."""
    product = delivery.product
    if result == "ok" and sha256.lower() != product.sha256:
        text = (
            f"{product.filename}: the FSSC reports sha256 {sha256 or '(none)'} but the registered sha256 "
            f"is {product.sha256}; the {stage} is not accepted and the file stays {delivery.state}"
        )
        ledger.record_event(
            "fssc_checksum_mismatch",
            text,
            actor,
            subject=delivery,
            stage=stage,
            reported=sha256,
            expected=product.sha256,
        )
        raise ChecksumMismatch(text)
    target = REPORT_TARGETS.get((stage, result), "failed")
    reason = message or f"FSSC {stage} {result}"
    row = ledger.transition(delivery, target, actor, reason, stage=stage, result=result, sha256=sha256)
    if target == "ingested":
        _deliver_run_if_ingested(delivery.campaign_run_id, actor)
    return row


def _deliver_run_if_ingested(run_pk: int, actor: Actor) -> None:
    run = CampaignRun.objects.get(pk=run_pk)
    current = {run.ft2_1s_id, run.ft2_30s_id}
    ingested = set(
        run.deliveries.filter(state="ingested", product_id__in=current).values_list("product_id", flat=True)
    )
    if run.state == "ready" and ingested == current:
        ledger.transition(run, "delivered", actor, "1-s and 30-s files ingested by the FSSC")


# --- switchover -------------------------------------------------------------------------------


def propose_switchover(
    campaign: ReprocessingCampaign, proposed_date, actor: Actor, note: str = ""
) -> Switchover:
    with transaction.atomic():
        switchover = Switchover.objects.create(
            campaign=campaign, proposed_date=proposed_date, proposed_by=actor.label, note=note
        )
        ledger.record_event("switchover_proposed", f"{switchover} proposed", actor, subject=switchover)
    return switchover


def agree_switchover(switchover: Switchover, user) -> object:
    """The operator's or the FSSC's agreement; the second one makes it agreed by both."""
    if has_role(user, OPERATOR):
        side, other = "operator", "fssc"
    elif has_role(user, FSSC):
        side, other = "fssc", "operator"
    else:
        raise PermissionError("only an operator or the FSSC agrees to a switchover")
    target = "agreed" if switchover.state == f"{other}_agreed" else f"{side}_agreed"
    return ledger.transition(switchover, target, Actor.of_user(user), f"agreed by {side}", side=side)


def complete_switchover(switchover: Switchover, actor: Actor, note: str = ""):
    """The switch is made: the campaign is released if it was validated."""
    row = ledger.transition(switchover, "done", actor, note or "switchover done")
    if switchover.campaign.state == "validated":
        release_campaign(switchover.campaign, actor, f"switchover of {switchover.proposed_date} done")
    return row


def cancel_switchover(switchover: Switchover, actor: Actor, reason: str):
    return ledger.transition(switchover, "cancelled", actor, reason or "cancelled")
