"""A campaign run's coverage: the rows of its unflagged 1-s file against the run's span (its magic7
input's), the telemetry gaps declared in PIPELINES_FT2_KNOWN_GAPS left out; recorded on the run when
its files are made. Validation fails a run covering less than PIPELINES_FT2_MIN_COVERAGE of its span,
whether or not a previous version exists to compare with."""

from __future__ import annotations

from astropy.io import fits

from l2portal.registry import services as registry

from ... import conf
from ...halfpipe.models import Magic7Input
from ...science.ft2 import EXTNAME
from ...science.ft2coverage import ft2_coverage
from ..models import CampaignRun


def record_coverage(run: CampaignRun) -> None:
    """Set ``run.coverage`` (the caller saves it)."""
    span = Magic7Input.objects.filter(data_run_id=run.data_run_id, product_id=run.magic7_id).first()
    with fits.open(registry.absolute_path(run.ft2_1s_unflagged)) as hdus:
        table = hdus[EXTNAME].data
        coverage = ft2_coverage(
            table["START"],
            table["STOP"],
            span.met_start,
            span.met_stop,
            conf.ft2_known_gaps(),
            rejected_lines=sum(run.parse_report.get("counts", {}).values()),
        )
    run.coverage = coverage.as_dict()


def coverage_failures(run: CampaignRun) -> list[str]:
    """The validation failure of a run below the required share (its coverage recorded first where
    its files were made before coverage was)."""
    if not run.coverage:
        record_coverage(run)
    minimum = conf.ft2_min_coverage()
    run.coverage["minimum_share"] = minimum
    if run.coverage["share"] >= minimum:
        return []
    return [
        f"coverage: {run.coverage['summary']}; below the {minimum:.1%} required: register the run's complete "
        "magic7 and retry the run, or declare a known telemetry gap (PIPELINES_FT2_KNOWN_GAPS)"
    ]
