"""Parser for magic7 spacecraft telemetry text files (ATT and ORB records).

A magic7 file holds one space-separated record a line::

    2011-05-17 20:24:18.162893 ATT 327356660 0 qx qy qz qw wx wy wz
    2011-05-17 20:24:18.802688 ORB 327356660 600000 x y z vx vy vz mode in_saa

Fields 4 and 5 are the mission elapsed time (MET) in whole seconds and microseconds. ATT records
carry the body-to-ECI J2000 attitude quaternion (scalar last) and body rates in rad/s; ORB records
carry the ECI J2000 position (m), velocity (m/s), GNC mode and the SAA flag.

The parse is vectorised (numpy + the pandas C parser): a day of telemetry (about 518,000 lines)
takes well under a second. Malformed lines never stop the parse and never vanish silently: each
is listed with its line number and reason in ``Magic7Data.report``.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

ATT_FIELDS = 12
ORB_FIELDS = 13
GZIP_MAGIC = b"\x1f\x8b"
QUATERNION_NORM_TOLERANCE = 1e-3
SCAN_CHUNK = 1 << 22  # bytes

# Reasons reported for rejected lines.
WRONG_FIELD_COUNT = "wrong field count"
UNKNOWN_TYPE = "unknown record type"
NOT_A_NUMBER = "non-numeric field"
BAD_TIME_FIELDS = "invalid MET seconds/microseconds"
BAD_QUATERNION = "quaternion not normalised"
BAD_FLAG = "invalid GNC mode or SAA flag"
TIME_BACKWARDS = "time goes backwards"
DUPLICATE_TIME = "duplicate time"


class Magic7Error(ValueError):
    """The file cannot be used: no usable ORB or ATT records."""


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line number in the (decompressed) file
    reason: str


@dataclass(frozen=True)
class ParseReport:
    total_lines: int
    att_records: int
    orb_records: int
    problems: tuple[Problem, ...]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(problem.reason for problem in self.problems))

    def summary(self) -> str:
        text = f"{self.total_lines} lines: {self.att_records} ATT, {self.orb_records} ORB"
        if not self.problems:
            return text + ", no malformed lines"
        details = ", ".join(f"{reason}: {count}" for reason, count in sorted(self.counts.items()))
        return f"{text}, {len(self.problems)} rejected ({details})"


@dataclass(frozen=True)
class Magic7Data:
    att_met: np.ndarray  # (n,) float64 seconds
    att_quaternion: np.ndarray  # (n, 4) x, y, z, w; body to ECI J2000
    att_rate: np.ndarray  # (n, 3) body angular velocity, rad/s
    orb_met: np.ndarray  # (m,) float64 seconds
    orb_position: np.ndarray  # (m, 3) ECI J2000, m
    orb_velocity: np.ndarray  # (m, 3) ECI J2000, m/s
    orb_mode: np.ndarray  # (m,) int32 GNC mode
    orb_in_saa: np.ndarray  # (m,) bool
    report: ParseReport


def read_magic7(path: str | os.PathLike) -> Magic7Data:
    """Parse a magic7 file, plain or gzip-compressed (detected from its content)."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw.startswith(GZIP_MAGIC):
        raw = gzip.decompress(raw)
    return parse_magic7(raw)


def parse_magic7(raw: bytes) -> Magic7Data:
    if not raw:
        raise Magic7Error("magic7 file is empty")
    buffer = np.frombuffer(raw, dtype=np.uint8)
    line_ends, spaces = _positions(buffer)
    if not raw.endswith(b"\n"):
        line_ends = np.append(line_ends, len(raw))
    line_starts = np.concatenate(([0], line_ends[:-1] + 1)).astype(np.int64)
    total_lines = len(line_starts)

    # Field count = separators + 1; a line holds exactly 11 (ATT) or 12 (ORB) single spaces.
    fields = np.diff(np.searchsorted(spaces, np.append(line_starts, len(buffer)))) + 1
    fields[line_ends - line_starts == 0] = 0
    plausible = (fields == ATT_FIELDS) | (fields == ORB_FIELDS)

    rejected: list[tuple[np.ndarray, str]] = [(np.flatnonzero(~plausible), WRONG_FIELD_COUNT)]
    kept_lines = np.flatnonzero(plausible)
    width = ORB_FIELDS if (fields == ORB_FIELDS).any() else ATT_FIELDS
    table = _read_table(raw, buffer, line_starts, plausible, width)

    kind = table[2]
    is_att = (kind == "ATT").to_numpy()
    is_orb = (kind == "ORB").to_numpy()
    rejected.append((kept_lines[~(is_att | is_orb)], UNKNOWN_TYPE))
    line_fields = fields[kept_lines]
    wrong_count = (is_att & (line_fields != ATT_FIELDS)) | (is_orb & (line_fields != ORB_FIELDS))
    rejected.append((kept_lines[wrong_count], WRONG_FIELD_COUNT))

    values = np.column_stack([_numeric(table[column]) for column in range(3, ORB_FIELDS)])
    att_rows, att_met = _usable(values, kept_lines, is_att & ~wrong_count, ATT_FIELDS, rejected)
    orb_rows, orb_met = _usable(values, kept_lines, is_orb & ~wrong_count, ORB_FIELDS, rejected)

    problems = tuple(
        Problem(int(line) + 1, reason)
        for line, reason in sorted((line, reason) for lines, reason in rejected for line in lines.tolist())
    )
    report = ParseReport(total_lines, len(att_met), len(orb_met), problems)
    if len(orb_met) == 0 or len(att_met) == 0:
        missing = "ORB" if len(orb_met) == 0 else "ATT"
        raise Magic7Error(f"magic7 file has no usable {missing} records; {report.summary()}")

    quaternion = att_rows[:, 2:6]
    quaternion = quaternion / np.linalg.norm(quaternion, axis=1, keepdims=True)
    return Magic7Data(
        att_met=att_met,
        att_quaternion=quaternion,
        att_rate=att_rows[:, 6:9],
        orb_met=orb_met,
        orb_position=orb_rows[:, 2:5],
        orb_velocity=orb_rows[:, 5:8],
        orb_mode=orb_rows[:, 8].astype(np.int32),
        orb_in_saa=orb_rows[:, 9] == 1,
        report=report,
    )


def _positions(buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of every newline and every space, scanned in chunks: small temporaries stay in cache
    and are reused, where whole-file comparisons would fault in a fresh 70 MB mask each."""
    newlines, spaces = [], []
    for offset in range(0, len(buffer), SCAN_CHUNK):
        chunk = buffer[offset : offset + SCAN_CHUNK]
        newlines.append(np.flatnonzero(chunk == ord("\n")) + offset)
        spaces.append(np.flatnonzero(chunk == ord(" ")) + offset)
    return np.concatenate(newlines), np.concatenate(spaces)


def _read_table(
    raw: bytes, buffer: np.ndarray, line_starts: np.ndarray, keep: np.ndarray, width: int
) -> pd.DataFrame:
    """Run the pandas C parser over the kept lines only (one bytes copy when some are dropped)."""
    if keep.all():
        clean = raw
    else:
        segment_lengths = np.diff(np.append(line_starts, len(buffer)))
        clean = buffer[np.repeat(keep, segment_lengths)].tobytes()
    if keep.any() and not clean.endswith(b"\n"):
        clean += b"\n"
    if not clean:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in range(2, ORB_FIELDS)})
    table = pd.read_csv(
        io.BytesIO(clean),
        sep=" ",
        header=None,
        names=list(range(width)),
        usecols=list(range(2, width)),  # the UTC date and time are not needed
        quoting=csv.QUOTE_NONE,
        dtype={2: "category"},
        engine="c",
    )
    # Without any 13-field line the last ORB column is absent: add it, empty.
    return table.reindex(columns=range(2, ORB_FIELDS))


def _usable(
    values: np.ndarray,
    lines: np.ndarray,
    of_type: np.ndarray,
    field_count: int,
    rejected: list[tuple[np.ndarray, str]],
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of one record type that are valid and in time order, with their MET."""
    candidates = np.flatnonzero(of_type)
    valid = candidates[_validate(values[candidates], lines[candidates], field_count, rejected)]
    met = values[valid, 0] + values[valid, 1] / 1e6
    in_order = _monotonic(met, lines[valid], rejected)
    return values[valid[in_order]], met[in_order]


def _numeric(column: pd.Series) -> np.ndarray:
    if column.dtype == object:
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    return column.to_numpy(dtype=np.float64)


def _validate(
    rows: np.ndarray, lines: np.ndarray, field_count: int, rejected: list[tuple[np.ndarray, str]]
) -> np.ndarray:
    """Mask of rows whose numeric fields are usable; the others are added to ``rejected``."""
    used = rows[:, : field_count - 3]
    numeric = np.isfinite(used).all(axis=1)
    seconds, micros = rows[:, 0], rows[:, 1]
    time_ok = (seconds >= 0) & (seconds == np.floor(seconds)) & (micros >= 0) & (micros < 1e6)
    time_ok &= micros == np.floor(micros)
    if field_count == ATT_FIELDS:
        norm = np.linalg.norm(rows[:, 2:6], axis=1)
        content_ok = np.abs(norm - 1) <= QUATERNION_NORM_TOLERANCE
        content_reason = BAD_QUATERNION
    else:
        mode, in_saa = rows[:, 8], rows[:, 9]
        content_ok = (mode == np.floor(mode)) & ((in_saa == 0) | (in_saa == 1))
        content_reason = BAD_FLAG
    rejected.append((lines[~numeric], NOT_A_NUMBER))
    rejected.append((lines[numeric & ~time_ok], BAD_TIME_FIELDS))
    rejected.append((lines[numeric & time_ok & ~content_ok], content_reason))
    return numeric & time_ok & content_ok


def _monotonic(met: np.ndarray, lines: np.ndarray, rejected: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Keep records later than every earlier record of the same type; reject repeats and regressions."""
    latest_before = np.concatenate(([-np.inf], np.maximum.accumulate(met)[:-1]))
    duplicate = met == latest_before
    backwards = met < latest_before
    rejected.append((lines[duplicate], DUPLICATE_TIME))
    rejected.append((lines[backwards], TIME_BACKWARDS))
    return ~(duplicate | backwards)
