"""LIVETIME of FT2 bins from a livetime source, so that it is never silently zero.

The ground software computes each bin's livetime from the LAT's livetime counters in the run's
digi data (ft2Util ``Livetime``: the counter difference between the events in the bin, plus the
interpolated share of the intervals to the events either side). That needs the run's digi files,
which this portal does not hold; the livetime comes instead from one of these sources:

- ``table``: a per-run livetime table written by the LAT's own tools, one row per FT2 bin;
- ``previous-ft2``: the previous version of the same run's FT2 file (its START, STOP, LIVETIME);
- ``command``: a configured command line that writes such a table for a run;
- ``none``: no source. LIVETIME is 0 and the file says so (header LIVETSRC = 'none'), so that it
  can be warned about and kept from release.

Livetime table layout, read strictly (any deviation refuses the whole table with the lines named):

- CSV: optional ``#`` comment lines, then the header line ``START,STOP,LIVETIME``, then one row
  per bin: START and STOP in MET seconds (TT, as the FT2 columns), LIVETIME in seconds;
- FITS: a binary table extension named ``LIVETIME`` with double columns START, STOP, LIVETIME;
- rows in time order, not overlapping, STOP > START and 0 <= LIVETIME <= STOP - START.

An FT2 bin's livetime is the livetime of the table rows it covers, a partly covered row counting
in proportion to the time covered (the counter is taken to run evenly within a row, as ft2Util
interpolates between events). Every FT2 bin must lie wholly within the table's rows.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

NONE = "none"
TABLE = "table"
PREVIOUS_FT2 = "previous-ft2"
COMMAND = "command"
HEADER = "START,STOP,LIVETIME"
EXTNAME = "LIVETIME"
FT2_EXTNAME = "SC_DATA"
SOURCE_KEYWORD = "LIVETSRC"
ROUNDING = 1e-9  # s; livetime may exceed a bin's length by rounding only
TIME_TOLERANCE = 1e-6  # s; table rows and FT2 bins sharing an edge
ROWS_NAMED = 10  # rows listed in a message, at most
COMMAND_TIMEOUT = 3600.0  # s


class LivetimeError(ValueError):
    """A livetime source cannot be read or does not fit the bins; the message names the rows."""


class SourceUnavailable(LivetimeError):
    """The configured source has nothing for a run (no table registered, no command set, no
    previous FT2); the message says what to provide."""


@dataclass(frozen=True)
class LivetimeTable:
    start: np.ndarray
    stop: np.ndarray
    livetime: np.ndarray
    source: str  # TABLE, PREVIOUS_FT2 or COMMAND
    reference: str  # the file (or command) it came from, for headers and provenance

    def per_bin(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Livetime of each bin [start, stop); refuses bins not wholly within the table's rows."""
        start, stop = np.asarray(start, dtype=float), np.asarray(stop, dtype=float)
        # Rows sharing an edge join into one covered span.
        joins = np.abs(self.start[1:] - self.stop[:-1]) <= TIME_TOLERANCE
        span_start = self.start[np.concatenate(([True], ~joins))]
        span_stop = self.stop[np.concatenate((~joins, [True]))]
        span = np.searchsorted(span_start, start + TIME_TOLERANCE, side="right") - 1
        covered = (span >= 0) & (stop <= span_stop[np.maximum(span, 0)] + TIME_TOLERANCE)
        if not covered.all():
            rows = np.flatnonzero(~covered)
            raise LivetimeError(
                f"{self.reference} does not cover {len(rows)} bins: "
                + _rows(rows, lambda i: f"row {i + 1} ({start[i]:.6f}..{stop[i]:.6f})")
                + f"; it covers {_spans(span_start, span_stop)}"
            )
        # Each bin adds up the rows it overlaps, in order, each in proportion to the time covered:
        # a bin equal to a row gets the row's value exactly.
        first = np.searchsorted(self.stop, start + TIME_TOLERANCE, side="right")
        last = np.searchsorted(self.start, stop - TIME_TOLERANCE, side="left") - 1
        live = np.zeros(len(start))
        for offset in range(int((last - first).max(initial=-1)) + 1):
            row = np.minimum(first + offset, len(self.start) - 1)
            used = first + offset <= last
            overlap = np.minimum(stop, self.stop[row]) - np.maximum(start, self.start[row])
            share = np.where(used, overlap / (self.stop[row] - self.start[row]), 0.0)
            live += np.where(share >= 1.0, self.livetime[row], self.livetime[row] * share)
        return np.clip(live, 0.0, stop - start)  # rounding of the shares only


def check_livetime(start: np.ndarray, stop: np.ndarray, livetime: np.ndarray, what: str) -> None:
    """Refuse livetimes outside [0, STOP - START], naming the rows."""
    bad = ~np.isfinite(livetime) | (livetime < 0) | (livetime > stop - start + ROUNDING)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise LivetimeError(
            f"{what}: LIVETIME outside [0, STOP-START] in {len(rows)} rows: "
            + _rows(
                rows,
                lambda i: (
                    f"row {i + 1} (START {start[i]:.6f}, STOP {stop[i]:.6f}, LIVETIME {float(livetime[i])!r})"
                ),
            )
        )


def read_table(path: str | os.PathLike, source: str = TABLE, reference: str | None = None) -> LivetimeTable:
    """A livetime table, CSV or FITS (told apart by content), checked row by row."""
    path = Path(path)
    reference = reference or path.name
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise LivetimeError(f"livetime table {path}: {error}") from error
    if raw.startswith(b"SIMPLE  ="):
        start, stop, livetime = _fits_columns(path, EXTNAME)
    else:
        start, stop, livetime = _csv_columns(raw, reference)
    _check_rows(start, stop, livetime, reference)
    return LivetimeTable(start, stop, livetime, source, reference)


def from_previous_ft2(path: str | os.PathLike) -> LivetimeTable:
    """The LIVETIME of a run's previous FT2 file (made with a livetime source)."""
    path = Path(path)
    try:
        header = fits.getheader(path, FT2_EXTNAME)
    except (OSError, KeyError) as error:
        raise LivetimeError(f"previous FT2 {path.name}: {error}") from error
    if header.get(SOURCE_KEYWORD) == NONE:
        raise LivetimeError(
            f"previous FT2 {path.name} was made without a livetime source ({SOURCE_KEYWORD} = 'none'); "
            "it cannot supply LIVETIME: give a livetime table or command instead"
        )
    start, stop, livetime = _fits_columns(path, FT2_EXTNAME)
    _check_rows(start, stop, livetime, path.name)
    return LivetimeTable(start, stop, livetime, PREVIOUS_FT2, path.name)


def run_command(
    command: str,
    folder: str | os.PathLike,
    start: float,
    stop: float,
    run: int | None = None,
    timeout: float = COMMAND_TIMEOUT,
) -> LivetimeTable:
    """Run a configured livetime command and read the table it writes.

    ``command`` is a command line whose arguments may hold ``{run}``, ``{start}``, ``{stop}`` and
    must hold ``{output}``: the table file to write (CSV or FITS) in ``folder``.
    """
    argv = shlex.split(command)
    if not argv or not any("{output}" in argument for argument in argv):
        raise LivetimeError(f"livetime command {command!r} must name the table it writes as {{output}}")
    output = Path(folder) / "livetime.table"
    values = {"run": "" if run is None else run, "start": repr(float(start)), "stop": repr(float(stop))}
    argv = [argument.format(output=output, **values) for argument in argv]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as error:
        raise LivetimeError(f"livetime command {argv[0]!r} is not installed: {error}") from error
    except subprocess.TimeoutExpired as error:
        raise LivetimeError(f"livetime command {argv[0]!r} did not finish within {timeout:g} s") from error
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip()[-500:]
        raise LivetimeError(f"livetime command {argv[0]!r} failed with exit code {result.returncode}: {tail}")
    if not output.is_file():
        raise LivetimeError(f"livetime command {argv[0]!r} exited 0 but wrote no table at {{output}}")
    return read_table(output, COMMAND, Path(argv[0]).name)


def _csv_columns(raw: bytes, reference: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        lines = raw.decode("ascii").splitlines()
    except UnicodeDecodeError as error:
        raise LivetimeError(f"livetime table {reference} is not ASCII text: {error}") from error
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if not line.startswith("#")]
    if not numbered or numbered[0][1].strip() != HEADER:
        raise LivetimeError(f"livetime table {reference}: the first line after comments must be {HEADER!r}")
    rows, bad = [], []
    for number, line in numbered[1:]:
        fields = line.split(",")
        try:
            if len(fields) != 3:
                raise ValueError
            rows.append([float(field) for field in fields])
        except ValueError:
            bad.append(number)
    if bad:
        raise LivetimeError(
            f"livetime table {reference}: {len(bad)} lines are not three numbers: lines "
            + ", ".join(map(str, bad[:ROWS_NAMED]))
            + (" ..." if len(bad) > ROWS_NAMED else "")
        )
    if not rows:
        raise LivetimeError(f"livetime table {reference} has no rows")
    table = np.array(rows, dtype=float)
    return table[:, 0], table[:, 1], table[:, 2]


def _fits_columns(path: Path, extname: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        with fits.open(path, memmap=False) as hdul:
            data = hdul[extname].data
            return tuple(np.array(data[name], dtype=float) for name in ("START", "STOP", "LIVETIME"))
    except (OSError, KeyError, ValueError) as error:
        raise LivetimeError(
            f"{path.name} has no {extname} table with START, STOP and LIVETIME: {error}"
        ) from error


def _check_rows(start: np.ndarray, stop: np.ndarray, livetime: np.ndarray, reference: str) -> None:
    problems = []
    for rows, what in (
        (np.flatnonzero(~np.isfinite(start) | ~np.isfinite(stop) | ~(stop > start)), "STOP not after START"),
        (np.flatnonzero(start[1:] < stop[:-1] - TIME_TOLERANCE) + 1, "overlaps or precedes the row before"),
    ):
        if len(rows):
            problems.append(f"{what} in rows " + _rows(rows, lambda i: str(i + 1)))
    if problems:
        raise LivetimeError(f"livetime table {reference}: " + "; ".join(problems))
    check_livetime(start, stop, livetime, f"livetime table {reference}")


def _rows(rows: np.ndarray, describe) -> str:
    """The first rows described (FITS rows count from 1), and how many more."""
    text = ", ".join(describe(int(i)) for i in rows[:ROWS_NAMED])
    return text + (f" and {len(rows) - ROWS_NAMED} more" if len(rows) > ROWS_NAMED else "")


def _spans(span_start: np.ndarray, span_stop: np.ndarray) -> str:
    text = ", ".join(f"{a:.6f}..{b:.6f}" for a, b in zip(span_start[:3], span_stop[:3], strict=True))
    return text + (f" and {len(span_start) - 3} more spans" if len(span_start) > 3 else "")
