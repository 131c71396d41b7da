"""Step "generating" of a campaign run: its unflagged 1-s and 30-s FT2 files, either carried forward
from the run's registered previous version (a carry-forward campaign, where the run has one: every
column kept bit for bit, SC_VELOCITY added from magic7) or generated from its magic7 under the
campaign's definition set, LIVETIME from the campaign's livetime source. What decided the numbers
(definition set, IGRF generation, library versions, livetime source) is kept on the run and in the
task's Execution record."""

from __future__ import annotations

import dataclasses
import functools
import tempfile

from astropy.io import fits

from l2portal.ledger.execution import current_execution
from l2portal.ledger.models import Execution
from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry

from ... import conf
from ...halfpipe.models import Magic7Input
from ...halfpipe.services.magic7 import latest_magic7
from ...science import carryforward, ft2science, livetime
from ...science.ft2 import EXTNAME, Ft2Config, Ft2Error, compute_ft2_pair, product_filename, write_ft2
from ...science.magic7 import Magic7Data, Magic7Error, read_magic7
from ..models import CampaignRun, ReprocessingCampaign
from ..selectors.ft2_inputs import PreviousFt2, previous_ft2
from .campaign_coverage import record_coverage
from .run_files import BIN_SECONDS, LABELS, PlannedFile, write_pair
from .run_livetime import run_livetime

PARSE_PROBLEMS_KEPT = 50
REMEDY = (
    "fetch a complete copy, register it again (manage.py register_ft2_inputs, or register_magic7) "
    "and retry the run"
)
LIBRARIES = ("numpy", "numba", "astropy", "pyerfa", "erfa", "iers")
Mode = ReprocessingCampaign.Mode


def make_run_ft2(run: CampaignRun, actor: Actor) -> str:
    """Write the run's unflagged files; returns what was done, for the run's history. Each
    registered input is verified against its registration before it is read."""
    magic7_input = latest_magic7(run.data_run)
    if magic7_input is None:
        raise StepFailed(
            f"no magic7 file registered for run {run.data_run}; register it (manage.py register_ft2_inputs "
            "or register_magic7) and retry the run"
        )
    registry.verify_inputs([magic7_input.product], actor, subject=run, remedy=REMEDY)
    data = _read_magic7(magic7_input)
    run.magic7 = magic7_input.product
    run.parse_report = {
        "summary": data.report.summary(),
        "counts": data.report.counts,
        "problems": [[p.line, p.reason] for p in data.report.problems[:PARSE_PROBLEMS_KEPT]],
    }
    previous = previous_ft2(run.data_run.run_id)
    if previous is not None and not previous.complete:
        raise StepFailed(
            f"run {run.data_run}: the current FT2 files along {conf.ft2_chain()} are incomplete "
            f"({_describe(previous)}); register both the 1-s and the 30-s file and retry the run"
        )
    run.previous_1s, run.previous_30s = previous.files if previous else (None, None)
    if run.campaign.mode == Mode.CARRY_FORWARD and previous is not None:
        registry.verify_inputs(previous.files, actor, subject=run, remedy=REMEDY)
        run.mode, done = Mode.CARRY_FORWARD, _carry_forward(run, data, previous, magic7_input)
    else:
        run.mode, done = Mode.GENERATE, _generate(run, data, magic7_input, previous, actor)
    run.livetime_source = run.provenance["livetime_source"]
    record_coverage(run)
    run.save(
        update_fields=[
            "magic7",
            "parse_report",
            "coverage",
            "previous_1s",
            "previous_30s",
            "mode",
            "provenance",
            "livetime_source",
            "ft2_1s_unflagged",
            "ft2_30s_unflagged",
        ]
    )
    _record_in_execution(run.provenance)
    return done


def _describe(previous: PreviousFt2) -> str:
    return ", ".join(
        f"{label}: {p.path + (' (purged)' if p.status != 'present' else '') if p else 'none'}"
        for label, p in zip(LABELS, previous.files, strict=True)
    )


def _read_magic7(magic7_input: Magic7Input) -> Magic7Data:
    source = magic7_input.product
    try:
        return read_magic7(registry.absolute_path(source))
    except (OSError, Magic7Error) as error:
        raise StepFailed(f"magic7 {source.filename} is unusable: {error}", magic7=source.path) from error


def _planned(run: CampaignRun, extra: dict) -> dict[str, PlannedFile]:
    campaign, run_id = run.campaign, run.data_run.run_id
    planned = {}
    for label in LABELS:
        name = product_filename(BIN_SECONDS[label], campaign.name, run_id, campaign.file_version)
        name = name.replace(".fit", "_unflagged.fit")
        planned[label] = PlannedFile(
            registry.product_path(campaign.collection, "unflagged", name),
            f"ft2_{label}_unflagged",
            {"run_id": run_id, "bin_seconds": BIN_SECONDS[label], "version": campaign.file_version, **extra},
        )
    return planned


def _carry_forward(run: CampaignRun, data: Magic7Data, previous: PreviousFt2, magic7_input) -> str:
    campaign = run.campaign
    planned = _planned(run, {"mode": Mode.CARRY_FORWARD})
    one, thirty = (registry.absolute_path(p) for p in previous.files)
    headers = fits.getheader(one, EXTNAME)
    new = carryforward.NewVersion(
        campaign.file_version,
        campaign.name,
        campaign.proc_ver,
        *(planned[label].relative.rsplit("/", 1)[-1] for label in LABELS),
    )

    def make(paths):
        try:
            carryforward.carry_forward(one, thirty, data, [], new, paths["1s"], paths["30s"])
        except carryforward.CarryForwardError as error:
            raise StepFailed(f"carry-forward of {previous.one_second.filename}: {error}") from error

    written = write_pair(run, planned, make, [magic7_input.product, *previous.files])
    run.ft2_1s_unflagged, run.ft2_30s_unflagged = written["1s"], written["30s"]
    source = livetime.NONE if headers.get(livetime.SOURCE_KEYWORD) == livetime.NONE else livetime.PREVIOUS_FT2
    run.provenance = {
        "mode": Mode.CARRY_FORWARD,
        # The previous version's own numbers are kept: its set is what made them.
        "definitions": headers.get("FT2DEFS", "kept from the previous version"),
        "igrf": headers.get("IGRF", "kept from the previous version"),
        **_libraries(campaign.definitions),
        "livetime_source": source,
        "livetime_input": previous.one_second.filename,
        "previous": [p.filename for p in previous.files],
    }
    return f"carried forward from {previous.one_second.filename} and {previous.thirty_second.filename}"


def _generate(
    run: CampaignRun, data: Magic7Data, magic7_input, previous: PreviousFt2 | None, actor: Actor
) -> str:
    campaign = run.campaign
    start, stop = magic7_input.met_start, magic7_input.met_stop
    inputs = [magic7_input.product]
    with tempfile.TemporaryDirectory(prefix="livetime-") as folder:
        source = _livetime(run, previous, start, stop, folder, inputs, actor)
    config = Ft2Config(
        data_qual=campaign.data_qual,
        lat_config=campaign.lat_config,
        proc_ver=campaign.proc_ver,
        version=campaign.file_version,
        definitions=campaign.definitions,
    )
    try:
        products = dict(zip(LABELS, compute_ft2_pair(data, start, stop, config, source), strict=True))
    except Ft2Error as error:
        raise StepFailed(f"run {run.data_run}: {error}") from error
    planned = _planned(run, {"mode": Mode.GENERATE, "definitions": campaign.definitions})

    def make(paths):
        for label in LABELS:
            labelled = dataclasses.replace(config, bin_seconds=BIN_SECONDS[label])
            write_ft2(products[label], paths[label], labelled, paths[label].name)

    written = write_pair(run, planned, make, inputs)
    run.ft2_1s_unflagged, run.ft2_30s_unflagged = written["1s"], written["30s"]
    metadata = products["1s"].metadata
    run.provenance = {"mode": Mode.GENERATE, **{k: v for k, v in metadata.items() if k != "rows"}}
    gaps = metadata["telemetry_gaps"]
    return f"generated from magic7 under {campaign.definitions}" + (
        f", {len(gaps)} telemetry gaps" if gaps else ""
    )


def _livetime(run, previous, start, stop, folder, inputs, actor) -> livetime.LivetimeTable | None:
    """The campaign's livetime source for this run; a source that cannot serve it fails the run
    with what to provide."""
    try:
        verify = functools.partial(registry.verify_inputs, actor=actor, subject=run, remedy=REMEDY)
        source = run.campaign.livetime_source
        return run_livetime(run.data_run, source, previous, start, stop, folder, inputs, verify)
    except livetime.SourceUnavailable as error:
        raise StepFailed(f"{error} and retry the run") from error
    except livetime.LivetimeError as error:
        raise StepFailed(f"run {run.data_run}: {error}") from error


def _libraries(definitions: str) -> dict:
    versions = ft2science.versions(definitions)
    return {name: versions[name] for name in LIBRARIES}


def _record_in_execution(provenance: dict) -> None:
    """The task's Execution names the definition set, IGRF generation and library versions."""
    execution = current_execution()
    if execution is None:
        return
    libraries = {name: provenance[name] for name in LIBRARIES if name in provenance}
    Execution.objects.filter(pk=execution.pk).update(
        parameters={**execution.parameters, "ft2": provenance},
        software={**execution.software, **libraries},
    )
