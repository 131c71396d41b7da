"""FT2 (LAT pointing and livetime history) computation and writer.

Input: parsed magic7 arrays (``pipelines.science.magic7``), the requested [start, stop) in MET, a bin size
(1 s or 30 s) and, so that LIVETIME is not zero, a livetime source (``pipelines.science.livetime``).
Output: one FITS file whose columns, formats, units and header keywords all come from
``data/ft2.tpl``, and the provenance of its numbers (``Ft2Product.metadata``).

As the ground software makes them (ft2Util ``makeFT2`` then ``mergeFT2``):
- 1-s bins start on ORB record times; the first and last are cut at the requested start and stop
  (``pipelines.science.ft2bins``); 30-s bins are merged from the 1-s bins and take every column of their
  first 1-s bin, the STOP of their last and the sum of their livetimes;
- SC_POSITION, SC_VELOCITY, the attitude, LAT_MODE and IN_SAA are the magic7 state at START
  (``pipelines.science.ft2state``); telemetry gaps longer than ``Ft2Config.max_gap_seconds`` are left
  without bins, never interpolated, and listed in the metadata and the header;
- every derived column (ground point, directions, rock angle, McIlwain B/B0 and L, invariant
  latitude, LAMBDA, Sun) comes from ``pipelines.science.ft2science`` under the configured definition set,
  every row computed; the orbital pole is position(START) x position(START + 1 s), the last 1-s
  row taking the pole of the row before (ft2Util ``Ft2::writeFT2file``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time

from pipelines.science import fitstemplate, ft2bins, ft2science, ft2state
from pipelines.science import livetime as livetime_sources
from pipelines.science.ft2science import frames
from pipelines.science.magic7 import Gap, Magic7Data

TEMPLATE_PATH = Path(__file__).resolve().parent / "data" / "ft2.tpl"
EXTNAME = "SC_DATA"
CREATOR = "l2portal pipelines.science.ft2"
BIN_SIZES = (ft2bins.ONE_SECOND, ft2bins.THIRTY_SECONDS)
DEFAULT_DATA_QUAL = 2  # "waiting review" until Bad Time Intervals are applied
DEFAULT_LAT_CONFIG = 1  # nominal science configuration
DEFAULT_DEFINITIONS = "fermi-2019"  # the set in force for P310
GAPS_IN_HEADER = 20  # COMMENT cards naming telemetry gaps, at most


class Ft2Error(ValueError):
    """The request cannot be turned into an FT2 file (coverage, bin size, inputs)."""


@dataclass(frozen=True)
class Ft2Config:
    bin_seconds: float = 1.0
    data_qual: int = DEFAULT_DATA_QUAL
    lat_config: int = DEFAULT_LAT_CONFIG
    proc_ver: int = 310
    version: int = 1
    creator: str = CREATOR
    definitions: str = DEFAULT_DEFINITIONS
    max_gap_seconds: float = ft2bins.DEFAULT_MAX_GAP


@dataclass
class Ft2Product:
    columns: dict[str, np.ndarray]
    comments: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)  # provenance: definitions, versions, livetime, gaps
    gaps: tuple[Gap, ...] = ()

    @property
    def tstart(self) -> float:
        return float(self.columns["START"][0])

    @property
    def tstop(self) -> float:
        return float(self.columns["STOP"][-1])

    @property
    def rows(self) -> int:
        return len(self.columns["START"])

    @property
    def livetime_source(self) -> str:
        return self.metadata.get("livetime_source", livetime_sources.NONE)


def load_ft2_template() -> fitstemplate.FitsTemplate:
    return fitstemplate.load_template(TEMPLATE_PATH)


def product_filename(bin_seconds: float, proc: str | int, run: int, version: int) -> str:
    """gll_pt1s_p310_r0545208791_v001.fit (1-s) or gll_pt_p310_r0545208791_v001.fit (30-s)."""
    kind = {1.0: "pt1s", 30.0: "pt"}.get(float(bin_seconds))
    if kind is None:
        raise Ft2Error(f"no product name for {bin_seconds}-s bins")
    proc_text = str(proc).lower()
    proc_text = proc_text if proc_text.startswith("p") else f"p{int(proc_text):03d}"
    return f"gll_{kind}_{proc_text}_r{int(run):010d}_v{int(version):03d}.fit"


def mjd_reference(template: fitstemplate.FitsTemplate) -> tuple[int, float]:
    keywords = {k.name: k.value for k in template.table(EXTNAME).keywords}
    return int(keywords["MJDREFI"]), float(keywords["MJDREFF"])


def met_to_time(met: np.ndarray | float, mjdref: tuple[int, float]) -> Time:
    """MET counts TT seconds from MJDREF (2001-01-01 00:00:00 UTC expressed in TT)."""
    return Time(mjdref[0], mjdref[1] + np.asarray(met, dtype=np.float64) / 86400.0, format="mjd", scale="tt")


def _bins(data: Magic7Data, start: float, stop: float, config: Ft2Config) -> ft2bins.OneSecondBins:
    if float(config.bin_seconds) not in BIN_SIZES:
        raise Ft2Error(f"bin size must be one of {BIN_SIZES} s, not {config.bin_seconds}")
    try:
        ft2science.describe(config.definitions)
        bins = ft2bins.one_second_bins(
            data.orb_met, data.orb_mode, data.att_met, start, stop, config.max_gap_seconds
        )
    except ValueError as error:
        raise Ft2Error(str(error)) from error
    if not len(bins.start):
        raise Ft2Error(
            f"no bin between {start} and {stop} has telemetry: {ft2bins.describe_gap(bins.gaps[0])}"
        )
    return bins


def _livetime(
    source: livetime_sources.LivetimeTable | None, start: np.ndarray, stop: np.ndarray
) -> np.ndarray:
    if source is None:
        return np.zeros(len(start))
    try:
        values = source.per_bin(start, stop)
        livetime_sources.check_livetime(start, stop, values, f"livetime from {source.reference}")
    except livetime_sources.LivetimeError as error:
        raise Ft2Error(str(error)) from error
    return values


def compute_ft2(
    data: Magic7Data,
    start: float,
    stop: float,
    config: Ft2Config,
    livetime: livetime_sources.LivetimeTable | None = None,
    template: fitstemplate.FitsTemplate | None = None,
) -> Ft2Product:
    """The FT2 table of [start, stop) in ``config.bin_seconds`` bins, with its provenance.

    ``template`` is accepted for callers that hold one; the columns do not depend on it.
    """
    source = livetime
    bins = _bins(data, start, stop, config)
    one_start, one_stop = bins.start, bins.stop
    orb_record = ft2state.last_orb_record(data, one_start)
    mode, in_saa = data.orb_mode[orb_record], data.orb_in_saa[orb_record]
    lat_config = np.full(len(one_start), config.lat_config)
    data_qual = np.full(len(one_start), config.data_qual)
    live = _livetime(source, one_start, one_stop)
    if float(config.bin_seconds) == ft2bins.THIRTY_SECONDS:
        merged = ft2bins.merge_bins(one_start, one_stop, mode, lat_config, data_qual, live)
        rows, stops, live = merged.first, merged.stop, merged.livetime
    else:
        rows, stops = np.arange(len(one_start)), one_stop
    starts = one_start[rows]
    position, velocity = ft2state.orbit_state(data, starts)
    quaternion = ft2state.attitude(data, starts)
    later = ft2state.position_one_second_later(data, starts, position, velocity, config.max_gap_seconds)
    derived = ft2science.derive(config.definitions, starts, stops, position, quaternion, later)
    if rows[-1] == len(one_start) - 1 and len(one_start) > 1:
        _pole_of_the_row_before(derived, data, one_start[-2], config.max_gap_seconds)
    columns = {
        "START": starts,
        "STOP": stops,
        "SC_POSITION": position,
        **derived,
        "IN_SAA": in_saa[rows],
        "LAT_MODE": mode[rows],
        "LAT_CONFIG": lat_config[rows],
        "DATA_QUAL": data_qual[rows],
        "LIVETIME": live,
        "QSJ_1": quaternion[:, 0],
        "QSJ_2": quaternion[:, 1],
        "QSJ_3": quaternion[:, 2],
        "QSJ_4": quaternion[:, 3],
        "SC_VELOCITY": velocity,
    }
    metadata = {
        **ft2science.versions(config.definitions),
        "bin_seconds": float(config.bin_seconds),
        "rows": len(starts),
        "livetime_source": source.source if source else livetime_sources.NONE,
        "livetime_input": source.reference if source else "",
        "telemetry_gaps": [ft2bins.describe_gap(gap) for gap in bins.gaps],
        "max_gap_seconds": config.max_gap_seconds,
    }
    comments = [] if source else ["LIVETIME is 0 in every bin: no livetime source was given"]
    return Ft2Product(columns=columns, comments=comments, metadata=metadata, gaps=bins.gaps)


def compute_ft2_pair(
    data: Magic7Data,
    start: float,
    stop: float,
    config: Ft2Config,
    livetime: livetime_sources.LivetimeTable | None = None,
) -> tuple[Ft2Product, Ft2Product]:
    """A run's 1-s and 30-s tables, the 30-s one merged from the 1-s one as mergeFT2 makes it
    from the 1-s file (every column computed once)."""
    one_second = compute_ft2(data, start, stop, dataclasses.replace(config, bin_seconds=1.0), livetime)
    return one_second, thirty_second_product(one_second)


def thirty_second_product(one_second: Ft2Product) -> Ft2Product:
    """mergeFT2: each 30-s row takes every column of its first 1-s row, the STOP of its last and
    the sum of their livetimes (every derived column is at START, so nothing is computed again)."""
    one = one_second.columns
    merged = ft2bins.merge_bins(
        one["START"], one["STOP"], one["LAT_MODE"], one["LAT_CONFIG"], one["DATA_QUAL"], one["LIVETIME"]
    )
    columns = {name: values[merged.first] for name, values in one.items()}
    columns["STOP"], columns["LIVETIME"] = merged.stop, merged.livetime
    metadata = {**one_second.metadata, "bin_seconds": ft2bins.THIRTY_SECONDS, "rows": len(merged.first)}
    return Ft2Product(columns, list(one_second.comments), metadata, one_second.gaps)


def _pole_of_the_row_before(derived: dict, data: Magic7Data, before: float, max_gap: float) -> None:
    """The last 1-s row has no row after it: it takes the orbital pole of the row before."""
    met = np.array([before])
    position, velocity = ft2state.orbit_state(data, met)
    later = ft2state.position_one_second_later(data, met, position, velocity, max_gap)
    ra, dec = frames.ra_dec(frames.orbit_pole(position, later))
    derived["RA_NPOLE"][-1], derived["DEC_NPOLE"][-1] = ra[0], dec[0]


def provenance_keywords(metadata: dict) -> dict[str, str | int]:
    """Header keywords naming what decided the numbers (see data/ft2.tpl)."""
    return {
        "FT2DEFS": metadata["definitions"],
        "IGRF": metadata["igrf"],
        "IGRFSHA": metadata["igrf_sha256"][:16],
        "NUMPYVER": metadata["numpy"],
        "NUMBAVER": metadata["numba"],
        "ASTROVER": metadata["astropy"],
        "ERFAVER": f"{metadata['pyerfa']} (ERFA {metadata['erfa']})",
        "IERSVER": metadata["iers"],
        "LIVETSRC": metadata["livetime_source"],
        "LIVETREF": metadata["livetime_input"] or "NONE",
        "TELGAPS": len(metadata["telemetry_gaps"]),
    }


def _utc_isot(met: float, mjdref: tuple[int, float]) -> str:
    return met_to_time(met, mjdref).utc.isot


def write_ft2(
    product: Ft2Product,
    path: str | os.PathLike,
    config: Ft2Config,
    filename: str,
    template: fitstemplate.FitsTemplate | None = None,
    created: dt.datetime | None = None,
) -> None:
    """Write ``product`` to ``path`` (overwritten); ``filename`` goes in FILENAME (path may be temporary)."""
    template = template or load_ft2_template()
    mjdref = mjd_reference(template)
    created = created or dt.datetime.now(dt.UTC)
    shared = {
        "DATE": created.strftime("%Y-%m-%dT%H:%M:%S"),
        "DATE-OBS": _utc_isot(product.tstart, mjdref),
        "DATE-END": _utc_isot(product.tstop, mjdref),
        "TSTART": product.tstart,
        "TSTOP": product.tstop,
        "FILENAME": filename,
        "CREATOR": config.creator,
        "VERSION": config.version,
        "PROC_VER": config.proc_ver,
        **provenance_keywords(product.metadata),
    }
    primary = fitstemplate.build_primary_hdu(template.primary, shared)
    table = fitstemplate.build_table_hdu(template.table(EXTNAME), product.columns, shared)
    notes = product.comments + [ft2bins.describe_gap(gap) for gap in product.gaps[:GAPS_IN_HEADER]]
    for note in notes:
        primary.header.add_comment(note)
        table.header.add_comment(note)
    fits.HDUList([primary, table]).writeto(path, overwrite=True, checksum=True)


def make_ft2(
    data: Magic7Data,
    start: float,
    stop: float,
    config: Ft2Config,
    path: str | os.PathLike,
    filename: str | None = None,
    livetime: livetime_sources.LivetimeTable | None = None,
) -> Ft2Product:
    """Compute and write one FT2 file; returns the computed product (columns and provenance)."""
    template = load_ft2_template()
    product = compute_ft2(data, start, stop, config, livetime=livetime, template=template)
    write_ft2(product, path, config, filename or Path(path).name, template=template)
    return product
