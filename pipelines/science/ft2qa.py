"""Quality checks on FT2 files.

- ``check_velocity``: SC_VELOCITY must agree with the change in SC_POSITION between consecutive
  bins (the reprocessing check "velocities make sense based on the change in coordinates").
- ``compare_with_previous``: a new version of a run's FT2 file may differ from the previous one
  only in the allowed columns (by default the new SC_VELOCITY); everything else must be identical,
  bit for bit, and every difference is listed by column and row.
- ``run_fitsverify``: HEASARC's fitsverify on the files, when it is installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from pipelines.science.ft2 import EXTNAME

DEFAULT_VELOCITY_TOLERANCE = 5.0  # m/s; float32 positions (~0.5 m at 7000 km) limit 1-s differences
MIN_STEP = 0.5  # s; shorter (cut) bins amplify position rounding too much to be useful
MAX_GAP_FACTOR = 1.5  # consecutive STARTs further apart than this many bin lengths are a gap
FITSVERIFY_TIMEOUT = 600  # s


@dataclass(frozen=True)
class VelocityCheck:
    passed: bool
    worst_deviation: float  # m/s, largest |finite difference - mean velocity|
    worst_start: float | None  # START of the first bin of the worst pair
    pairs_checked: int
    tolerance: float

    def summary(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        where = f" at START={self.worst_start:.6f}" if self.worst_start is not None else ""
        return (
            f"velocity check {verdict}: worst deviation {self.worst_deviation:.3f} m/s{where} "
            f"over {self.pairs_checked} bin pairs (tolerance {self.tolerance} m/s)"
        )


def check_velocity(
    start: np.ndarray,
    position: np.ndarray,
    velocity: np.ndarray,
    tolerance: float = DEFAULT_VELOCITY_TOLERANCE,
) -> VelocityCheck:
    """Compare (p[i+1] - p[i]) / (t[i+1] - t[i]) with (v[i] + v[i+1]) / 2 for neighbouring bins.

    The trapezoid estimate is accurate to dt^2 * jerk / 12: under 1 m/s for 30-s bins in low
    Earth orbit, so a wrong sign, axis, unit or time tag stands out by orders of magnitude.
    """
    start = np.asarray(start, dtype=np.float64)
    position = np.asarray(position, dtype=np.float64)
    velocity = np.asarray(velocity, dtype=np.float64)
    step = np.diff(start)
    typical = np.median(step) if len(step) else 0.0
    usable = (step >= MIN_STEP) & (step <= MAX_GAP_FACTOR * max(typical, MIN_STEP))
    if not usable.any():
        return VelocityCheck(False, float("nan"), None, 0, tolerance)
    finite_difference = np.diff(position, axis=0) / step[:, None]
    mean_velocity = (velocity[:-1] + velocity[1:]) / 2
    deviation = np.linalg.norm(finite_difference - mean_velocity, axis=1)
    deviation = np.where(usable, deviation, -np.inf)
    worst = int(np.argmax(deviation))
    worst_deviation = float(deviation[worst])
    passed = bool(np.isfinite(worst_deviation) and worst_deviation <= tolerance)
    return VelocityCheck(passed, worst_deviation, float(start[worst]), int(usable.sum()), tolerance)


def check_velocity_file(
    path: str | os.PathLike, tolerance: float = DEFAULT_VELOCITY_TOLERANCE
) -> VelocityCheck:
    with fits.open(path) as hdul:
        data = hdul[EXTNAME].data
        return check_velocity(data["START"], data["SC_POSITION"], data["SC_VELOCITY"], tolerance)


ROWS_LISTED = 10  # rows named per changed column in a summary


@dataclass(frozen=True)
class ColumnDifference:
    column: str
    rows: tuple[int, ...]  # FITS row numbers (from 1) that differ; empty when the format differs
    count: int  # rows that differ
    format_changed: bool = False

    def describe(self) -> str:
        if self.format_changed:
            return f"{self.column} (format or shape changed)"
        listed = ", ".join(map(str, self.rows[:ROWS_LISTED]))
        more = f" and {self.count - ROWS_LISTED} more" if self.count > ROWS_LISTED else ""
        return f"{self.column} ({self.count} rows: {listed}{more})"


@dataclass(frozen=True)
class Comparison:
    same: bool
    changed_columns: tuple[str, ...]
    missing_columns: tuple[str, ...]  # in the previous file, not in the new one
    added_columns: tuple[str, ...]  # in the new file only and not allowed to differ
    rows_new: int
    rows_previous: int
    differences: tuple[ColumnDifference, ...] = ()  # of the changed columns, row by row

    def summary(self) -> str:
        if self.same:
            return "no column other than the allowed ones changed"
        parts = []
        if self.rows_new != self.rows_previous:
            parts.append(f"row count {self.rows_previous} -> {self.rows_new}")
        changed = [d.describe() for d in self.differences] or list(self.changed_columns)
        for label, names in (
            ("changed", changed),
            ("missing", self.missing_columns),
            ("added", self.added_columns),
        ):
            if names:
                parts.append(f"{label}: {', '.join(names)}")
        return "; ".join(parts)


def compare_with_previous(
    new_path: str | os.PathLike,
    previous_path: str | os.PathLike,
    allowed: Iterable[str] = ("SC_VELOCITY",),
) -> Comparison:
    """Every column of the previous version must be present and bit-identical (NaN equals NaN)."""
    allowed = set(allowed)
    with fits.open(new_path) as new_hdul, fits.open(previous_path) as previous_hdul:
        new, previous = new_hdul[EXTNAME].data, previous_hdul[EXTNAME].data
        new_names, previous_names = set(new.names), set(previous.names)
        missing = tuple(sorted(previous_names - new_names))
        added = tuple(sorted(new_names - previous_names - allowed))
        same_rows = len(new) == len(previous)
        compared = [name for name in previous.names if name in new_names and name not in allowed]
        if same_rows:
            differences = tuple(d for name in compared if (d := _difference(name, new[name], previous[name])))
            changed = tuple(d.column for d in differences)
        else:
            differences, changed = (), tuple(compared)
        same = same_rows and not (changed or missing or added)
        return Comparison(same, changed, missing, added, len(new), len(previous), differences)


def _difference(name: str, new: np.ndarray, previous: np.ndarray) -> ColumnDifference | None:
    """The rows whose bytes differ in a column (bit for bit: NaN equals the same NaN, 0.0 is not
    -0.0), None when none does."""
    if new.dtype != previous.dtype or new.shape != previous.shape:
        return ColumnDifference(name, (), len(new), format_changed=True)
    new_bytes = np.ascontiguousarray(new).view(np.uint8).reshape(len(new), -1)
    previous_bytes = np.ascontiguousarray(previous).view(np.uint8).reshape(len(previous), -1)
    differs = (new_bytes != previous_bytes).any(axis=1)
    if not differs.any():
        return None
    rows = np.flatnonzero(differs) + 1
    return ColumnDifference(name, tuple(rows[:ROWS_LISTED].tolist()), len(rows))


def run_fitsverify(
    paths: Sequence[str | os.PathLike], command: str = "fitsverify", timeout: float = FITSVERIFY_TIMEOUT
) -> tuple[str, str]:
    """("ok" | "failed" | "not available", output) of ``command`` (a shell-style command line,
    e.g. "fitsverify" or "/opt/heasoft/bin/fitsverify") run quietly on ``paths``."""
    argv = shlex.split(command)
    if not argv or shutil.which(argv[0]) is None:
        return "not available", f"{command!r} is not installed"
    try:
        result = subprocess.run(
            [*argv, "-q", "-e", *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "failed", f"fitsverify did not finish within {timeout:g} s"
    output = (result.stdout + result.stderr).strip()
    return ("ok" if result.returncode == 0 else "failed"), output
