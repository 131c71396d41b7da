"""One run of a campaign, carried from its current step to ready (or error): FT2 files generated
from the run's magic7 input, flagged with its active BTI set, validated, then offered to the FSSC."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from l2portal.files import sha256_file
from l2portal.ledger import services as ledger
from l2portal.ledger.execution import TransientError
from l2portal.ledger.models import FanIn
from l2portal.ledger.services import Actor
from l2portal.ledger.states import TransitionNotAllowed

from .. import bti, conf
from ..ft2 import Ft2Config, Ft2Error, make_ft2, product_filename
from ..ft2qa import check_velocity_file, compare_with_previous, run_fitsverify
from ..magic7 import Magic7Error, read_magic7
from ..models import CampaignRun, FsscDelivery, ReprocessingCampaign
from ..selectors import active_bti_set, outputs_complete, previous_version
from .campaigns import pass_key, validate_campaign_if_complete
from .magic7 import latest_magic7

BIN_SIZES = ((1.0, "1s"), (30.0, "30s"))
PARSE_PROBLEMS_KEPT = 50
# What ExecutionTask retries with backoff: never turned into a failed run.
RETRYABLE = (TransientError, OperationalError, InterfaceError, ConnectionError, TimeoutError)


class RunFailed(Exception):
    """A campaign run cannot go on (a step failure, not a refusal): the run moves to Error with
    the message as its reason and ``details`` in its history."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.details = details


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
            generate_ft2(run)
            ledger.transition(run, "flagging", actor, "1-s and 30-s FT2 files written")
        if run.state == "flagging":
            reason, changed_bins = apply_bti_set(run)
            ledger.transition(run, "validating", actor, reason, changed_bins=changed_bins)
        if run.state == "validating":
            validate_outputs(run)
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
    validate_campaign_if_complete(campaign.pk, actor)
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


def generate_ft2(run: CampaignRun) -> None:
    """Step "generating": the unflagged 1-s and 30-s FT2 files from the run's latest magic7."""
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


def apply_bti_set(run: CampaignRun) -> tuple[str, dict[str, int]]:
    """Step "flagging": the active BTI set applied to both files, as new products (the unflagged
    ones stay). Returns the reason of the move on and the bins changed per file."""
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


def validate_outputs(run: CampaignRun) -> None:
    """Step "validating": velocity check, fitsverify and the comparison with the previous version;
    results are stored on the run, and any failure fails it with all the reasons."""
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
    run.fitsverify, run.fitsverify_output = run_fitsverify(flagged, conf.fitsverify_command())
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
