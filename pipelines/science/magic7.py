"""Parser for magic7 spacecraft telemetry text files (ATT and ORB records).

A magic7 file holds one space-separated record a line::

    2011-05-17 20:24:18.162893 ATT 327356660 0 qx qy qz qw wx wy wz
    2011-05-17 20:24:18.802688 ORB 327356660 600000 x y z vx vy vz mode in_saa

Fields 4 and 5 are the mission elapsed time (MET) in whole seconds and microseconds. ATT records
carry the body-to-ECI J2000 attitude quaternion (scalar last) and body rates in rad/s; ORB records
carry the ECI J2000 position (m), velocity (m/s), GNC mode and the SAA flag.

The parse is vectorised (numpy + the pandas C parser): a day of telemetry (about 518,000 lines)
takes well under a second. Malformed lines never stop the parse and never vanish silently: each
is listed with its line number and reason in ``Magic7Data.report``. A line that is not UTF-8 text
is rejected alone. A record whose time does not fit its neighbours of the same type is rejected
alone: the records kept are the longest run in time order (one corrupted MET, far in the future or
the past, costs that record only, never the records after it). ``read_magic7`` then refuses a file
whose rejected share or largest gap between records of one type exceeds its ``Magic7Limits``.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import io
import os
import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

ATT_FIELDS = 12
ORB_FIELDS = 13
GZIP_MAGIC = b"\x1f\x8b"
QUATERNION_NORM_TOLERANCE = 1e-3
SCAN_CHUNK = 1 << 22  # bytes
# Records either side of a time-order violation among which the longest in-order run is sought: a
# burst of up to this many corrupted times is rejected record by record.
SEQUENCE_WINDOW = 64

# Reasons reported for rejected lines.
WRONG_FIELD_COUNT = "wrong field count"
UNKNOWN_TYPE = "unknown record type"
NOT_A_NUMBER = "non-numeric field"
BAD_TIME_FIELDS = "invalid MET seconds/microseconds"
BAD_QUATERNION = "quaternion not normalised"
BAD_FLAG = "invalid GNC mode or SAA flag"
TIME_BACKWARDS = "time goes backwards"
DUPLICATE_TIME = "duplicate time"
OUT_OF_SEQUENCE = "time out of sequence (later than the records after it)"
NOT_UTF8 = "not UTF-8 text"


class Magic7Error(ValueError):
    """The file cannot be used: a broken gzip stream, no usable ORB or ATT records, or over its
    limits; ``report`` is its parse report where it was parsed."""

    def __init__(self, message: str, report: ParseReport | None = None):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line number in the (decompressed) file
    reason: str


@dataclass(frozen=True)
class Gap:
    kind: str  # "ATT" or "ORB"
    after: float  # MET of the last record before the gap
    before: float  # MET of the first record after it

    @property
    def seconds(self) -> float:
        return self.before - self.after

    def describe(self) -> str:
        return f"{self.kind} records stop for {self.seconds:.3f} s after MET {self.after:.6f}"


@dataclass(frozen=True)
class ParseReport:
    total_lines: int
    att_records: int
    orb_records: int
    problems: tuple[Problem, ...]
    largest_gap: Gap | None = None  # the longest time between consecutive records of one type
    cut_short: bool = False  # its last line is rejected and has no line end: the file was truncated

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(problem.reason for problem in self.problems))

    @property
    def rejected_share(self) -> float:
        return len(self.problems) / self.total_lines if self.total_lines else 0.0

    def summary(self) -> str:
        text = f"{self.total_lines} lines: {self.att_records} ATT, {self.orb_records} ORB"
        if self.largest_gap is not None:
            gap = self.largest_gap
            text += f", largest gap {gap.seconds:.3f} s ({gap.kind} after MET {gap.after:.6f})"
        if self.cut_short:
            text += f", last line ({self.total_lines}) cut short"
        if not self.problems:
            return text + ", no malformed lines"
        details = ", ".join(f"{reason}: {count}" for reason, count in sorted(self.counts.items()))
        return f"{text}, {len(self.problems)} rejected ({details})"


@dataclass(frozen=True)
class Magic7Limits:
    """What a usable file may hold at most: the share of its lines rejected, and the longest time
    between consecutive records of one type (None: no limit)."""

    max_rejected_share: float | None = 0.01
    max_gap_seconds: float | None = 600.0

    def check(self, report: ParseReport) -> None:
        """Raise Magic7Error with the numbers when ``report`` exceeds a limit."""
        failures = []
        if self.max_rejected_share is not None and report.rejected_share > self.max_rejected_share:
            failures.append(
                f"{len(report.problems)} of {report.total_lines} lines rejected "
                f"({report.rejected_share:.2%}, limit {self.max_rejected_share:.2%})"
            )
        gap = report.largest_gap
        if self.max_gap_seconds is not None and gap is not None and gap.seconds > self.max_gap_seconds:
            failures.append(f"{gap.describe()} (limit {self.max_gap_seconds:g} s)")
        if failures:
            raise Magic7Error(f"magic7 file unusable: {'; '.join(failures)}; {report.summary()}", report)


DEFAULT_LIMITS = Magic7Limits()


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


def read_magic7(path: str | os.PathLike, limits: Magic7Limits = DEFAULT_LIMITS) -> Magic7Data:
    """Parse a magic7 file, plain or gzip-compressed (detected from its content), and refuse it
    when it exceeds ``limits``."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw.startswith(GZIP_MAGIC):
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as error:  # a cut or damaged stream
            raise Magic7Error(f"its gzip stream is broken ({error}): the file is cut or damaged") from None
    data = parse_magic7(raw)
    limits.check(data.report)
    return data


def parse_magic7(raw: bytes) -> Magic7Data:
    if not raw:
        raise Magic7Error("magic7 file is empty")
    buffer = np.frombuffer(raw, dtype=np.uint8)
    line_ends, spaces, high_bytes = _positions(buffer)
    if not raw.endswith(b"\n"):
        line_ends = np.append(line_ends, len(raw))
    line_starts = np.concatenate(([0], line_ends[:-1] + 1)).astype(np.int64)
    total_lines = len(line_starts)

    # Field count = separators + 1; a line holds exactly 11 (ATT) or 12 (ORB) single spaces.
    fields = np.diff(np.searchsorted(spaces, np.append(line_starts, len(buffer)))) + 1
    fields[line_ends - line_starts == 0] = 0
    not_text = _not_utf8(raw, line_starts, line_ends, high_bytes)
    plausible = ((fields == ATT_FIELDS) | (fields == ORB_FIELDS)) & ~not_text

    rejected: list[tuple[np.ndarray, str]] = [
        (np.flatnonzero(not_text), NOT_UTF8),
        (np.flatnonzero(~plausible & ~not_text), WRONG_FIELD_COUNT),
    ]
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
    report = ParseReport(
        total_lines,
        len(att_met),
        len(orb_met),
        problems,
        _largest_gap(("ATT", att_met), ("ORB", orb_met)),
        cut_short=not raw.endswith(b"\n") and bool(problems) and problems[-1].line == total_lines,
    )
    if len(orb_met) == 0 or len(att_met) == 0:
        missing = "ORB" if len(orb_met) == 0 else "ATT"
        raise Magic7Error(f"magic7 file has no usable {missing} records; {report.summary()}", report)

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


def _positions(buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets of every newline, every space and every byte above 127, scanned in chunks: small
    temporaries stay in cache and are reused, where whole-file comparisons would fault in a fresh
    70 MB mask each."""
    newlines, spaces, high = [], [], []
    for offset in range(0, len(buffer), SCAN_CHUNK):
        chunk = buffer[offset : offset + SCAN_CHUNK]
        newlines.append(np.flatnonzero(chunk == ord("\n")) + offset)
        spaces.append(np.flatnonzero(chunk == ord(" ")) + offset)
        high.append(np.flatnonzero(chunk > 127) + offset)
    return np.concatenate(newlines), np.concatenate(spaces), np.concatenate(high)


def _not_utf8(raw: bytes, line_starts: np.ndarray, line_ends: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Mask of the lines that do not decode as UTF-8 (only lines holding a byte above 127 can fail)."""
    mask = np.zeros(len(line_starts), dtype=bool)
    for line in np.unique(np.searchsorted(line_starts, high, side="right") - 1).tolist():
        try:
            raw[line_starts[line] : line_ends[line]].decode("utf-8")
        except UnicodeDecodeError:
            mask[line] = True
    return mask


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
    """Mask of the records kept in time order; the others are added to ``rejected``.

    Around each place where the time does not increase, the longest strictly increasing run of
    records (within SEQUENCE_WINDOW records either side, bounded by the records just outside) is
    kept: a record is judged against its neighbours, not against the last record accepted.
    """
    keep = np.ones(len(met), dtype=bool)
    for first, last in _violation_windows(met):
        low = met[first - 1] if first > 0 else -np.inf
        high = met[last + 1] if last + 1 < len(met) else np.inf
        keep[first : last + 1] = _longest_increasing(met[first : last + 1], low, high)
    dropped, kept = np.flatnonzero(~keep), np.flatnonzero(keep)
    before = np.searchsorted(kept, dropped)  # kept records ahead of each dropped one
    previous = np.full(len(dropped), -np.inf)
    previous[before > 0] = met[kept[before[before > 0] - 1]]
    duplicate = met[dropped] == previous
    backwards = met[dropped] < previous
    rejected.append((lines[dropped[duplicate]], DUPLICATE_TIME))
    rejected.append((lines[dropped[backwards]], TIME_BACKWARDS))
    rejected.append((lines[dropped[~duplicate & ~backwards]], OUT_OF_SEQUENCE))
    return keep


def _violation_windows(met: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) record indices of the merged windows around every non-increasing step."""
    steps = np.flatnonzero(np.diff(met) <= 0)
    windows: list[tuple[int, int]] = []
    for step in steps.tolist():
        first, last = max(step - SEQUENCE_WINDOW, 0), min(step + 1 + SEQUENCE_WINDOW, len(met) - 1)
        if windows and first <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], last)
        else:
            windows.append((first, last))
    return windows


def _longest_increasing(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Mask of a longest strictly increasing subsequence of ``values`` lying in (low, high).

    Patience sorting run from the end: among equal times the earliest record is the one kept, so a
    repeated record is the one rejected.
    """
    candidates = [i for i in range(len(values) - 1, -1, -1) if low < values[i] < high]
    tails: list[float] = []  # -value of the smallest tail of a run of each length (runs read backwards)
    tail_index: list[int] = []
    parent = {}
    for i in candidates:
        key = -values[i]
        position = bisect.bisect_left(tails, key)
        parent[i] = tail_index[position - 1] if position else -1
        if position == len(tails):
            tails.append(key)
            tail_index.append(i)
        else:
            tails[position], tail_index[position] = key, i
    keep = np.zeros(len(values), dtype=bool)
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        keep[i] = True
        i = parent[i]
    return keep


def _largest_gap(*series: tuple[str, np.ndarray]) -> Gap | None:
    gaps = []
    for kind, met in series:
        if len(met) > 1:
            step = int(np.argmax(np.diff(met)))
            gaps.append(Gap(kind, float(met[step]), float(met[step + 1])))
    return max(gaps, key=lambda gap: gap.seconds, default=None)
