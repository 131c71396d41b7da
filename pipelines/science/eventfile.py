"""Event files in the FT1 layout (the Fermi LAT photon/event files, e.g. the FSSC's
``J0030+0451_w323_ft1weights.fits``): a primary HDU, an ``EVENTS`` binary table with ``TIME``
(D, s, MET) and ``EVENT_ID`` (J) among any other columns, and a ``GTI`` table (START, STOP).

Files are read without loading their tables: the layout (row width, where TIME and EVENT_ID sit)
comes from the header and rows are read in blocks as raw bytes, so every other column passes
through a merge untouched. Files are written with ``pipelines.science.fitsstream``: headers with their
final TSTART/TSTOP, NAXIS2 and checksums rewritten once the rows are out.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import erfa
import numpy as np
from astropy.io import fits

from .fitsstream import Cards, FitsStream

EVENTS, GTI = "EVENTS", "GTI"
MJDREF = (51910, 7.428703703703703e-4)  # MET 0 = 2001-01-01T00:00:00 UTC, in TT
TIME_KEYWORDS = {
    "TELESCOP": ("GLAST", "name of telescope generating data"),
    "INSTRUME": ("LAT", "name of instrument generating data"),
    "EQUINOX": (2000.0, "equinox for ra and dec"),
    "RADECSYS": ("FK5", "world coord. system for this file"),
    "MJDREFI": (MJDREF[0], "integer part of the MJD of MET 0"),
    "MJDREFF": (MJDREF[1], "fractional part of the MJD of MET 0"),
    "TIMEUNIT": ("s", "units for the time related keywords"),
    "TIMEZERO": (0.0, "clock correction"),
    "TIMESYS": ("TT", "type of time system that is used"),
    "TIMEREF": ("LOCAL", "reference frame used for times"),
}
# The columns decoded chunks are written with (names, formats and units as in FT1 files).
FT1_COLUMNS = (
    ("ENERGY", "E", "MeV", ">f4"),
    ("RA", "E", "deg", ">f4"),
    ("DEC", "E", "deg", ">f4"),
    ("THETA", "E", "deg", ">f4"),
    ("PHI", "E", "deg", ">f4"),
    ("TIME", "D", "s", ">f8"),
    ("EVENT_ID", "J", "", ">i4"),
    ("RUN_ID", "J", "", ">i4"),
    ("EVENT_CLASS", "32X", "", ">u4"),  # bit n of the 32-bit array is 1 << n
    ("EVENT_TYPE", "32X", "", ">u4"),
    ("CONVERSION_TYPE", "I", "", ">i2"),
)
FT1_DTYPE = np.dtype([(name, dtype) for name, _, _, dtype in FT1_COLUMNS])
TFORM = re.compile(r"^(\d*)([LXBIJKAEDCMPQ])")
BYTES_PER = {"L": 1, "B": 1, "I": 2, "J": 4, "K": 8, "A": 1, "E": 4, "D": 8, "C": 8, "M": 16}


class EventFileError(ValueError):
    """The file is not an event file this code can read or merge (the message says why)."""


@dataclass(frozen=True)
class EventLayout:
    """Where TIME and EVENT_ID sit in a row of ``row_bytes``; ``columns`` (TTYPE, TFORM, TUNIT)
    must match between files that are merged."""

    row_bytes: int
    time_offset: int
    event_id_offset: int
    columns: tuple[tuple[str, str, str], ...]

    @property
    def row_dtype(self) -> np.dtype:
        return np.dtype((np.void, self.row_bytes))

    @property
    def key_dtype(self) -> np.dtype:
        return np.dtype(
            {
                "names": ["TIME", "EVENT_ID"],
                "formats": [">f8", ">i4"],
                "offsets": [self.time_offset, self.event_id_offset],
                "itemsize": self.row_bytes,
            }
        )

    def keys(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """TIME and EVENT_ID of raw rows, as native arrays."""
        view = rows.view(self.key_dtype)
        return view["TIME"].astype(np.float64), view["EVENT_ID"].astype(np.int64)


@dataclass(frozen=True)
class EventFile:
    path: Path
    primary: fits.Header
    header: fits.Header  # of EVENTS
    layout: EventLayout
    rows: int
    data_offset: int
    gti: np.ndarray | None  # (n, 2) START, STOP, or None without a GTI extension

    def read(self, first: int, count: int) -> np.ndarray:
        """``count`` raw rows from row ``first``."""
        with open(self.path, "rb") as handle:
            handle.seek(self.data_offset + first * self.layout.row_bytes)
            return np.fromfile(handle, dtype=self.layout.row_dtype, count=count)


def _column_width(tform: str, what: str) -> int:
    match = TFORM.match(tform.strip())
    if match is None:
        raise EventFileError(f"{what}: column format {tform!r} is not a FITS binary table format")
    repeat, code = int(match.group(1) or 1), match.group(2)
    if code in "PQ":
        raise EventFileError(f"{what}: variable-length column ({tform}) cannot be merged row by row")
    return (repeat + 7) // 8 if code == "X" else repeat * BYTES_PER[code]


def read_layout(header: fits.Header, what: str) -> EventLayout:
    """The layout of an EVENTS header; refused unless TIME is D and EVENT_ID is J, unscaled."""
    if header.get("PCOUNT", 0):
        raise EventFileError(f"{what}: EVENTS has a heap (PCOUNT {header['PCOUNT']}); not supported")
    offsets, columns, offset = {}, [], 0
    for n in range(1, header["TFIELDS"] + 1):
        name, tform = str(header[f"TTYPE{n}"]).strip(), str(header[f"TFORM{n}"]).strip()
        columns.append((name, tform, str(header.get(f"TUNIT{n}", "")).strip()))
        offsets[name] = (offset, tform, n)
        offset += _column_width(tform, what)
    if offset != header["NAXIS1"]:
        raise EventFileError(f"{what}: columns take {offset} bytes, NAXIS1 says {header['NAXIS1']}")
    for name, wanted in (("TIME", "D"), ("EVENT_ID", "J")):
        if name not in offsets:
            raise EventFileError(f"{what}: EVENTS has no {name} column")
        _, tform, n = offsets[name]
        if tform.lstrip("1") != wanted or f"TSCAL{n}" in header or f"TZERO{n}" in header:
            raise EventFileError(f"{what}: {name} must be an unscaled {wanted} column, not {tform}")
    return EventLayout(offset, offsets["TIME"][0], offsets["EVENT_ID"][0], tuple(columns))


def open_event_file(path: str | os.PathLike) -> EventFile:
    """Headers, layout and GTI of an event file; the rows stay on disk."""
    what = Path(path).name
    try:
        with fits.open(path, memmap=False, lazy_load_hdus=False) as hdus:
            names = [hdu.name for hdu in hdus]
            if EVENTS not in names:
                raise EventFileError(f"{what}: no EVENTS extension (found {', '.join(names)})")
            index = names.index(EVENTS)
            header = hdus[index].header.copy()
            layout = read_layout(header, what)
            gti = None
            if GTI in names:
                table = hdus[GTI].data
                gti = np.column_stack([table["START"], table["STOP"]]).astype(np.float64)
            return EventFile(
                Path(path),
                hdus[0].header.copy(),
                header,
                layout,
                int(header["NAXIS2"]),
                int(hdus.fileinfo(index)["datLoc"]),
                gti,
            )
    except OSError as error:
        raise EventFileError(f"{what}: not a readable FITS file: {error}") from error


def union_intervals(intervals: np.ndarray) -> np.ndarray:
    """Overlapping or touching [start, stop] intervals joined, sorted."""
    if len(intervals) == 0:
        return np.empty((0, 2))
    ordered = intervals[np.argsort(intervals[:, 0], kind="stable")]
    reach = np.maximum.accumulate(ordered[:, 1])
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:, 0] > reach[:-1]
    firsts = np.flatnonzero(new)
    return np.column_stack([ordered[firsts, 0], np.maximum.reduceat(ordered[:, 1], firsts)])


def met_to_isot(met: float) -> str:
    """MET as UTC ISO time (ERFA directly: astropy's Time costs milliseconds a call)."""
    tai = erfa.tttai(2400000.5 + MJDREF[0], MJDREF[1] + met / 86400.0)
    year, month, day, fraction = erfa.d2dtf("UTC", 3, *erfa.taiutc(*tai))
    hours, minutes, seconds, millis = fraction
    return f"{year:04d}-{month:02d}-{day:02d}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def utc_to_met(moment: dt.datetime) -> float:
    """A UTC moment (aware, or naive meaning UTC) as MET, leap seconds counted."""
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment
    seconds = utc.second + utc.microsecond / 1e6
    tt = erfa.taitt(
        *erfa.utctai(*erfa.dtf2d("UTC", utc.year, utc.month, utc.day, utc.hour, utc.minute, seconds))
    )
    return ((tt[0] - 2400000.5 - MJDREF[0]) + (tt[1] - MJDREF[1])) * 86400.0


def time_span(gti: np.ndarray, first_time: float | None, last_time: float | None) -> tuple[float, float]:
    """TSTART/TSTOP: the GTI's extent, widened to the first and last event."""
    edges = [*gti[:1, 0], *gti[-1:, 1], *(t for t in (first_time, last_time) if t is not None)]
    if not edges:
        return 0.0, 0.0
    return float(min(edges)), float(max(edges))


def time_keywords(tstart: float, tstop: float) -> dict:
    return {
        "TSTART": (tstart, "mission time of the start of the observation"),
        "TSTOP": (tstop, "mission time of the end of the observation"),
        "DATE-OBS": (met_to_isot(tstart), "start of the observation (UTC)"),
        "DATE-END": (met_to_isot(tstop), "end of the observation (UTC)"),
    }


@functools.cache
def _primary_header() -> Cards:
    header = fits.PrimaryHDU().header
    for key, value in TIME_KEYWORDS.items():
        header[key] = value
    return Cards.from_header(header)


def primary_header(keywords: dict) -> Cards:
    header = _primary_header().copy()
    for key, value in keywords.items():
        header[key] = value
    return header


def ft1_events_header() -> Cards:
    """The EVENTS header of decoded chunks: FT1 columns, names, units and time keywords."""
    return _ft1_events_header().copy()


@functools.cache
def _ft1_events_header() -> Cards:
    columns = [fits.Column(name=n, format=f, unit=u or None) for n, f, u, _ in FT1_COLUMNS]
    header = fits.BinTableHDU.from_columns(columns, nrows=0).header
    header["EXTNAME"] = (EVENTS, "name of this binary table extension")
    header["HDUCLASS"] = ("OGIP", "format conforms to OGIP standard")
    header["HDUCLAS1"] = ("EVENTS", "extension contains events")
    for key, value in TIME_KEYWORDS.items():
        header[key] = value
    return Cards.from_header(header)


@functools.cache
def _gti_header() -> Cards:
    columns = [fits.Column(name=n, format="D", unit="s") for n in ("START", "STOP")]
    header = fits.BinTableHDU.from_columns(columns, nrows=0).header
    header["EXTNAME"] = (GTI, "name of this binary table extension")
    header["HDUCLASS"] = ("OGIP", "format conforms to OGIP standard")
    header["HDUCLAS1"] = ("GTI", "extension contains good time intervals")
    header["HDUCLAS2"] = ("ALL", "extension contains all science time")
    for key, value in TIME_KEYWORDS.items():
        header[key] = value
    return Cards.from_header(header)


def gti_table(gti: np.ndarray, keywords: dict) -> tuple[Cards, bytes]:
    header = _gti_header().copy()
    for key, value in keywords.items():
        header[key] = value
    header["ONTIME"] = (float(np.sum(gti[:, 1] - gti[:, 0])), "sum of GTI lengths")
    return header, np.ascontiguousarray(gti, dtype=">f8").tobytes()


def write_ft1(handle, rows: np.ndarray, gti: np.ndarray, keywords: dict) -> None:
    """Write decoded events (FT1_DTYPE, already sorted) with their GTI as one event file."""
    times = rows["TIME"]
    tstart, tstop = time_span(gti, *((times[0], times[-1]) if len(rows) else (None, None)))
    span = {**keywords, **time_keywords(tstart, tstop)}
    stream = FitsStream(handle)
    stream.begin(primary_header(span))
    stream.end()
    header = ft1_events_header()
    for key, value in span.items():
        header[key] = value
    stream.begin(header)
    stream.write(rows.astype(FT1_DTYPE, copy=False))
    stream.end()
    header, data = gti_table(gti, span)
    stream.begin(header)
    stream.write(data)
    stream.end()
    stream.close()
