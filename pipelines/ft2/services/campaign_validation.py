"""Step "validating" of a campaign run: its files as registered, the velocity check, fitsverify, and
the comparison with the previous version, listed by column and row on the run's page.

What the run is compared with:
- carried forward: the registered previous version (FT2/current); every column but SC_VELOCITY and
  DATA_QUAL (set again from the BTI set) must be bit-identical, else the run fails;
- generated where a previous version is registered: the same comparison, recorded for the page but
  not failing the run (regenerated columns rightly differ under another definition set);
- generated otherwise: the same run in the latest earlier campaign of ours, unflagged against
  unflagged; only SC_VELOCITY may differ (the same magic7 must give the same numbers)."""

from __future__ import annotations

from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry

from ... import conf
from ...science.ft2qa import Comparison, check_velocity_file, compare_with_previous, run_fitsverify
from ..models import CampaignRun, ReprocessingCampaign
from ..selectors import previous_version
from .campaign_coverage import coverage_failures
from .run_files import LABELS, OUR_FILE_CHANGED

SET_AGAIN = ("SC_VELOCITY", "DATA_QUAL")
VALIDATION_FIELDS = [
    "velocity_worst",
    "velocity_passed",
    "fitsverify",
    "fitsverify_output",
    "previous",
    "comparison",
    "comparison_summary",
    "comparison_details",
    "qa_passed",
    "coverage",
]
PREVIOUS_CHANGED = "fetch it again and register it again (manage.py register_ft2_inputs), then retry the run"


def validate_run_files(run: CampaignRun, actor: Actor) -> None:
    """Results are stored on the run; any failure fails it with all the reasons. Files that no
    longer verify against their registration fail it before anything is read from them."""
    registry.verify_inputs(run.products, actor, subject=run, remedy=OUR_FILE_CHANGED)
    failures = coverage_failures(run)
    flagged = [registry.absolute_path(run.ft2_1s), registry.absolute_path(run.ft2_30s)]
    checks = [check_velocity_file(path, conf.velocity_tolerance()) for path in flagged]
    run.velocity_worst = max(check.worst_deviation for check in checks)
    run.velocity_passed = all(check.passed for check in checks)
    failures += [check.summary() for check in checks if not check.passed]
    run.fitsverify, run.fitsverify_output = run_fitsverify(flagged, conf.fitsverify_command())
    if run.fitsverify == "failed":
        failures.append(f"fitsverify: {run.fitsverify_output}")
    failures += _compare(run, actor)
    run.qa_passed = not failures
    run.save(update_fields=VALIDATION_FIELDS)
    if failures:
        raise StepFailed("validation failed: " + " | ".join(failures), failures=failures)


def _compare(run: CampaignRun, actor: Actor) -> list[str]:
    """Compare with the previous version (see the module's doc); returns the failures."""
    run.previous = None
    if run.previous_1s_id is not None:
        carried = run.mode == ReprocessingCampaign.Mode.CARRY_FORWARD
        ours = {"1s": run.ft2_1s, "30s": run.ft2_30s} if carried else _unflagged(run)
        theirs = {"1s": run.previous_1s, "30s": run.previous_30s}
        registry.verify_inputs(theirs.values(), actor, subject=run, remedy=PREVIOUS_CHANGED)
        results = {
            label: compare_with_previous(*_paths(ours[label], theirs[label]), SET_AGAIN) for label in LABELS
        }
        binding, reference = carried, "the registered previous version"
    else:
        run.previous = previous_version(run)
        if run.previous is None:
            run.comparison, run.comparison_summary, run.comparison_details = "none", "no earlier version", []
            return []
        theirs = _unflagged(run.previous)
        registry.verify_inputs(theirs.values(), actor, subject=run, remedy=PREVIOUS_CHANGED)
        results = {
            label: compare_with_previous(*_paths(_unflagged(run)[label], theirs[label])) for label in LABELS
        }
        binding, reference = True, str(run.previous.campaign)
    same = all(result.same for result in results.values())
    run.comparison = "same" if same else "changed"
    run.comparison_summary = "; ".join(
        f"{label} vs {reference} ({theirs[label].filename}): {result.summary()}"
        for label, result in results.items()
    )
    run.comparison_details = [_details(label, theirs[label].filename, r) for label, r in results.items()]
    if same or not binding:
        return []
    return [f"comparison with {reference}: {run.comparison_summary}"]


def _unflagged(run: CampaignRun) -> dict:
    return {"1s": run.ft2_1s_unflagged, "30s": run.ft2_30s_unflagged}


def _paths(new, previous):
    return registry.absolute_path(new), registry.absolute_path(previous)


def _details(label: str, against: str, result: Comparison) -> dict:
    return {
        "file": label,
        "against": against,
        "same": result.same,
        "rows_new": result.rows_new,
        "rows_previous": result.rows_previous,
        "columns": [
            {"column": d.column, "count": d.count, "rows": list(d.rows), "format_changed": d.format_changed}
            for d in result.differences
        ],
        "changed_without_rows": [
            c for c in result.changed_columns if c not in {d.column for d in result.differences}
        ],
        "missing": list(result.missing_columns),
        "added": list(result.added_columns),
    }
