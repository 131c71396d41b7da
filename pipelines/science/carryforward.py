"""Carry-forward reprocessing of a run's FT2 files, as the P310 reprocessing made them.

Inputs: the run's previous 1-s and 30-s FT2 files, its magic7 records and a BTI set. Each output
keeps every column of its previous version bit for bit (same formats, same bytes), adds (or
replaces) SC_VELOCITY with the magic7 ORB velocity at each bin's START (the record at that time,
else the Hermite interpolation of its neighbours, never across a gap longer than ``max_gap``), and
sets DATA_QUAL from the BTI set as the L1 processing's flagFT2 does (``bti.flag_like_flagft2``),
starting from the previous DATA_QUAL or, when given, from ``base_data_qual`` in every bin.
Headers keep the previous cards and get the new FILENAME, VERSION, PROC_VER, DATE, CREATOR, the
livetime source (the previous version's) and HISTORY cards; CHECKSUM and DATASUM are recomputed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from astropy.io import fits

from pipelines.science import bti, ft2bins, ft2state, livetime
from pipelines.science.ft2 import CREATOR, EXTNAME
from pipelines.science.magic7 import Magic7Data

VELOCITY = "SC_VELOCITY"
ROWS_NAMED = 10


class CarryForwardError(ValueError):
    """The previous files, the magic7 records or the BTI set cannot make the new version."""


@dataclass(frozen=True)
class NewVersion:
    version: int
    processing: str  # the RUN collection, e.g. "P310"
    proc_ver: int
    filename_1s: str
    filename_30s: str
    created: dt.datetime | None = None


@dataclass(frozen=True)
class CarriedForward:
    ranges: tuple[bti.BadTimeInterval, ...]  # the FT2 span each BTI interval flagged, in order
    changed_bins: dict[str, int]  # bins whose DATA_QUAL differs from the previous version
    rows: dict[str, int]
    livetime_source: str
    history: list[str] = field(default_factory=list)


def carry_forward(
    previous_1s: str | os.PathLike,
    previous_30s: str | os.PathLike,
    magic7: Magic7Data,
    intervals: Sequence[bti.BadTimeInterval],
    new: NewVersion,
    output_1s: str | os.PathLike,
    output_30s: str | os.PathLike,
    base_data_qual: int | None = None,
    max_gap: float = ft2bins.DEFAULT_MAX_GAP,
) -> CarriedForward:
    """Write the new 1-s and 30-s versions; nothing is written when any check fails."""
    with fits.open(previous_1s, memmap=False) as one, fits.open(previous_30s, memmap=False) as thirty:
        tables = {"1s": _table(one, previous_1s), "30s": _table(thirty, previous_30s)}
        bins = {
            label: bti.Bins(
                np.asarray(table.data["START"]),
                np.asarray(table.data["STOP"]),
                np.asarray(table.data["DATA_QUAL"])
                if base_data_qual is None
                else np.full(len(table.data), base_data_qual),
            )
            for label, table in tables.items()
        }
        try:
            for label, table in tables.items():
                live = np.asarray(table.data["LIVETIME"])
                livetime.check_livetime(bins[label].start, bins[label].stop, live, f"previous {label} file")
            quality_1s, quality_30s, ranges = bti.flag_like_flagft2(intervals, bins["1s"], bins["30s"])
        except (bti.BtiError, livetime.LivetimeError) as error:
            raise CarryForwardError(str(error)) from error
        quality = {"1s": quality_1s, "30s": quality_30s}
        velocity = {label: _velocity(magic7, bins[label].start, max_gap, label) for label in tables}
        source = _livetime_source(tables["1s"].header)
        history = [
            f"Carried forward from {tables['1s'].header.get('FILENAME', '?')} / "
            f"{tables['30s'].header.get('FILENAME', '?')}: every column kept but {VELOCITY} and DATA_QUAL",
            f"{VELOCITY} from the magic7 ORB records at START",
            f"DATA_QUAL: {len(intervals)} BTI intervals applied in order as flagFT2 does",
        ]
        changed = {}
        for label, hdul, output, name in (
            ("1s", one, output_1s, new.filename_1s),
            ("30s", thirty, output_30s, new.filename_30s),
        ):
            previous_quality = np.asarray(tables[label].data["DATA_QUAL"])
            changed[label] = int(np.count_nonzero(quality[label] != previous_quality))
            table = _new_table(tables[label], quality[label], velocity[label], label)
            primary = fits.PrimaryHDU(header=hdul[0].header.copy())
            for hdu in (primary, table):
                _update_header(
                    hdu.header, new, name, source, tables["1s"].header.get("FILENAME", ""), history
                )
            fits.HDUList([primary, table]).writeto(output, overwrite=True, checksum=True)
    rows = {label: len(table.data) for label, table in tables.items()}
    return CarriedForward(ranges, changed, rows, source, history)


def _table(hdul: fits.HDUList, path) -> fits.BinTableHDU:
    try:
        table = hdul[EXTNAME]
    except KeyError:
        raise CarryForwardError(f"{os.fspath(path)} has no {EXTNAME} table: it is not an FT2 file") from None
    missing = {"START", "STOP", "DATA_QUAL", "LIVETIME"} - set(table.columns.names)
    if missing:
        raise CarryForwardError(f"{os.fspath(path)} lacks the FT2 columns {sorted(missing)}")
    return table


def _velocity(data: Magic7Data, start: np.ndarray, max_gap: float, label: str) -> np.ndarray:
    served = ft2state.interpolable(data.orb_met, start, max_gap)
    if not served.all():
        rows = np.flatnonzero(~served)
        named = ", ".join(f"row {i + 1} (START {start[i]:.6f})" for i in rows[:ROWS_NAMED])
        raise CarryForwardError(
            f"the magic7 ORB records (MET {data.orb_met[0]:.6f}..{data.orb_met[-1]:.6f}) give no velocity "
            f"at START of {len(rows)} rows of the {label} file: {named}; register magic7 covering the run "
            f"without gaps longer than {max_gap:g} s"
        )
    return ft2state.orbit_state(data, start)[1]


def _livetime_source(header: fits.Header) -> str:
    """The previous version's livetime travels with it; one made without any stays without."""
    return livetime.NONE if header.get(livetime.SOURCE_KEYWORD) == livetime.NONE else livetime.PREVIOUS_FT2


def _new_table(previous: fits.BinTableHDU, quality: np.ndarray, velocity: np.ndarray, label: str):
    columns = []
    for column in previous.columns:
        if column.name == VELOCITY:
            continue
        array = previous.data[column.name]
        if column.name == "DATA_QUAL":
            array = _fit(quality, array.dtype, label)
        columns.append(
            fits.Column(
                name=column.name, format=column.format, unit=column.unit, disp=column.disp, array=array
            )
        )
    columns.append(fits.Column(name=VELOCITY, format="3E", unit="m/s", array=velocity.astype(np.float32)))
    table = fits.BinTableHDU.from_columns(columns, header=previous.header.copy())
    _keep_column_comments(table.header, previous.header)
    return table


def _keep_column_comments(header: fits.Header, previous: fits.Header) -> None:
    """The previous file's words for each column (TTYPEn, TFORMn, TUNITn), matched by column name."""
    old_number = {previous[key]: key[5:] for key in previous if key.startswith("TTYPE")}
    for key in [key for key in header if key.startswith("TTYPE")]:
        number, old = key[5:], old_number.get(header[key])
        if old is None:  # the velocity, new to this version
            header.comments[key] = "S/C velocity at START of interval"
            continue
        for prefix in ("TTYPE", "TFORM", "TUNIT"):
            if f"{prefix}{old}" in previous and f"{prefix}{number}" in header:
                header.comments[f"{prefix}{number}"] = previous.comments[f"{prefix}{old}"]


def _fit(values: np.ndarray, dtype: np.dtype, label: str) -> np.ndarray:
    info = np.iinfo(dtype)
    if values.min() < info.min or values.max() > info.max:
        raise CarryForwardError(
            f"DATA_QUAL of the previous {label} file is {dtype} ({info.min}..{info.max}); the BTI set asks "
            f"for {values.min()}..{values.max()}"
        )
    return values.astype(dtype)


def _update_header(
    header: fits.Header, new: NewVersion, filename: str, source: str, previous: str, history: list[str]
) -> None:
    created = new.created or dt.datetime.now(dt.UTC)
    header["FILENAME"] = (filename, "name of this file")
    header["VERSION"] = (new.version, "release version of the file")
    header["PROC_VER"] = (new.proc_ver, f"processing version ({new.processing})")
    header["DATE"] = (created.strftime("%Y-%m-%dT%H:%M:%S"), "file creation date (YYYY-MM-DDThh:mm:ss UT)")
    header["CREATOR"] = (f"{CREATOR} carry-forward", "software creating file")
    header[livetime.SOURCE_KEYWORD] = (source, "LIVETIME source (or none)")
    header["LIVETREF"] = (previous or "NONE", "LIVETIME input file or command")
    for line in history:
        header.add_history(line)
