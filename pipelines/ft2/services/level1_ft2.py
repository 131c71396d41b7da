"""A data run's Level 1 as the mission's L1 makes it: HalfPipe's Level-1 step (its event file, the
run's state) with the 1-s and 30-s FT2 files made here, where the livetime sources and the BTI sets
are: from the magic7 records of the run's span (plus and minus a margin, as launchL1 dumps them),
under the configured definition set (PIPELINES_FT2_DEFINITIONS), LIVETIME from the configured
livetime source (PIPELINES_LIVETIME_SOURCE, as campaigns take it), the 30-s file merged from the
1-s one (mergeFT2), DATA_QUAL flagged from the run's current BTI set as flagFT2 does. A run whose
livetime source has nothing for it is held by HalfPipe's step (``livetime.SourceUnavailable``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tempfile

from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry
from l2portal.registry.models import Collection, Product

from ... import conf
from ...halfpipe.models import DataRun, Magic7Input, MergeVersion
from ...halfpipe.services import folders
from ...halfpipe.services import level1 as halfpipe_level1
from ...science import bti, livetime
from ...science.fitsstream import stamp_checksums
from ...science.ft2 import Ft2Config, Ft2Error, Ft2Product, compute_ft2_pair, product_filename, write_ft2
from ...science.ft2coverage import ft2_coverage
from ...science.level1 import magic7_window
from ...science.magic7 import Magic7Error, read_magic7
from ..selectors import active_bti_set
from ..selectors.ft2_inputs import previous_ft2
from .campaign_ft2 import REMEDY
from .run_files import BIN_SECONDS, LABELS
from .run_livetime import run_livetime


def level1_run(run_pk: int, actor: Actor) -> str:
    """The Level-1 task's service: HalfPipe's step, given the FT2 files made here."""
    return halfpipe_level1.level1_run(run_pk, actor, level1_ft2_files)


def level1_ft2_files(
    run: DataRun,
    version: MergeVersion,
    collection: Collection,
    tstart: float,
    tstop: float,
    created: dt.datetime,
    actor: Actor,
) -> dict[str, Product]:
    """The run's Level-1 FT2 files over [tstart, tstop), registered; {"1s": ..., "30s": ...}. Each
    registered input is verified against its registration before it is read."""
    margin = conf.magic7_margin()
    magic7 = list(
        Magic7Input.objects.filter(met_start__lt=tstop + margin, met_stop__gt=tstart - margin)
        .select_related("product")
        .order_by("met_start", "pk")
    )
    verify = functools.partial(registry.verify_inputs, actor=actor, subject=run, remedy=REMEDY)
    verify([i.product for i in magic7])
    try:
        parts = [read_magic7(registry.absolute_path(i.product)) for i in magic7]
    except (OSError, Magic7Error) as error:
        raise StepFailed(f"{run}: a magic7 file is unusable: {error}") from error
    data = magic7_window(parts, tstart - margin, tstop + margin)
    if data is None:
        raise StepFailed(
            f"no magic7 records registered for {run} between MET {tstart - margin:.0f} and "
            f"{tstop + margin:.0f}; register them (manage.py register_magic7) and retry the run"
        )
    inputs = [version.product, *(i.product for i in magic7)]
    with tempfile.TemporaryDirectory(prefix="livetime-") as folder:
        source = run_livetime(
            run, conf.livetime_source(), previous_ft2(run.run_id), tstart, tstop, folder, inputs, verify
        )
    if source is None:
        raise livetime.SourceUnavailable(
            "PIPELINES_LIVETIME_SOURCE is 'none'; a Level-1 FT2 needs LIVETIME: set it to 'table' and "
            f"register livetime_r{run.run_id:010d}.csv, or set PIPELINES_LIVETIME_COMMAND"
        )
    config = Ft2Config(
        data_qual=conf.data_qual(),
        lat_config=conf.lat_config(),
        proc_ver=conf.proc_ver(collection.name),
        version=version.version,
        definitions=conf.ft2_definitions(),
    )
    try:
        products = dict(zip(LABELS, compute_ft2_pair(data, tstart, tstop, config, source), strict=True))
    except Ft2Error as error:
        raise StepFailed(f"{run}: FT2: {error}; register magic7 covering the run and retry it") from error
    _check_coverage(run, products["1s"], tstart, tstop)
    bti_set = _flag(run, products)
    written = {}
    for label in LABELS:
        labelled = dataclasses.replace(config, bin_seconds=BIN_SECONDS[label])
        name = product_filename(BIN_SECONDS[label], collection.name, run.run_id, version.version)
        written[label] = registry.write_product(
            collection,
            folders.level1_path(collection, run.run_id, name),
            f"level1_ft2_{label}",
            lambda tmp, product=products[label], labelled=labelled, name=name: _write(
                product, tmp, labelled, name, created
            ),
            metadata={
                "run_id": run.run_id,
                "version": version.version,
                "bin_seconds": BIN_SECONDS[label],
                "definitions": config.definitions,
                "livetime_source": source.source,
                "bti_set": bti_set.pk if bti_set else None,
                "bti_version": bti_set.version if bti_set else None,
            },
            inputs=inputs,
        )
    return written


def _check_coverage(run: DataRun, one_second: Ft2Product, tstart: float, tstop: float) -> None:
    """A Level-1 FT2 must cover the run's events as a campaign's must cover its span (the same
    share and declared gaps); nothing is written from one that does not."""
    coverage = ft2_coverage(
        one_second.columns["START"], one_second.columns["STOP"], tstart, tstop, conf.ft2_known_gaps()
    )
    minimum = conf.ft2_min_coverage()
    if coverage.share < minimum:
        raise StepFailed(
            f"{run}: Level-1 FT2 coverage: {coverage.summary()}; below the {minimum:.1%} required: "
            "register magic7 covering the run and retry it, or declare a known telemetry gap "
            "(PIPELINES_FT2_KNOWN_GAPS)"
        )


def _flag(run: DataRun, products: dict[str, Ft2Product]):
    """DATA_QUAL of both files from the run's current BTI set, as flagFT2 does (intervals in their
    submitted order, 30-s bins first); returns the set applied, or None."""
    bti_set = active_bti_set(run.pk)
    if bti_set is None:
        return None
    intervals = [bti.BadTimeInterval(i.start, i.stop, i.value) for i in bti_set.intervals.order_by("id")]
    bins = {
        label: bti.Bins(p.columns["START"], p.columns["STOP"], p.columns["DATA_QUAL"])
        for label, p in products.items()
    }
    try:
        flagged_1s, flagged_30s, _ = bti.flag_like_flagft2(intervals, bins["1s"], bins["30s"])
    except bti.BtiError as error:
        raise StepFailed(f"BTI set v{bti_set.version} of {run}: {error}", bti_set=bti_set.pk) from error
    products["1s"].columns["DATA_QUAL"], products["30s"].columns["DATA_QUAL"] = flagged_1s, flagged_30s
    return bti_set


def _write(product: Ft2Product, path, config: Ft2Config, name: str, created: dt.datetime) -> None:
    write_ft2(product, path, config, name, created=created)
    stamp_checksums(path)  # the same run gives the same bytes, whenever it is processed
