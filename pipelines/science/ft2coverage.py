"""How much of its run's span an FT2 file covers: the time its rows (START..STOP) cover against the
span, with the telemetry gaps known and declared (PIPELINES_FT2_KNOWN_GAPS) left out of both; the
stretches no row covers, the largest first named; the magic7 lines its parse rejected. Pure numpy,
for campaign runs and for the Level-1 FT2 of a data run alike:

    coverage = ft2_coverage(table["START"], table["STOP"], run_start, run_stop, known_gaps)
    if coverage.share < minimum_share: ...  # fails validation, whatever else there is to compare
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_MINIMUM_SHARE = 0.995
GAPS_KEPT = 100  # the largest uncovered stretches listed; all are counted
JOIN_WITHIN = 1e-6  # s: rows this close are contiguous (bin edges in float seconds)


@dataclass(frozen=True)
class Coverage:
    span_start: float
    span_stop: float
    rows: int
    covered_seconds: float  # of the span, by rows
    excused_seconds: float  # of the span, in declared telemetry gaps
    share: float  # of the span outside declared gaps that rows cover (1 when there is none)
    gaps: tuple[tuple[float, float], ...]  # uncovered, undeclared; the GAPS_KEPT largest, in time order
    gap_count: int
    gap_seconds: float
    rejected_lines: int = 0

    @property
    def largest_gap(self) -> tuple[float, float] | None:
        return max(self.gaps, key=lambda gap: gap[1] - gap[0]) if self.gaps else None

    def summary(self) -> str:
        span = self.span_stop - self.span_start
        text = (
            f"{self.rows} rows cover {self.share:.2%} of the run's {span:,.0f} s "
            f"(MET {self.span_start:.0f}..{self.span_stop:.0f})"
        )
        if self.excused_seconds:
            text += f", {self.excused_seconds:,.0f} s in declared telemetry gaps left out"
        if self.largest_gap is not None:
            start, stop = self.largest_gap
            text += (
                f"; {self.gap_count} uncovered stretch{'es' if self.gap_count > 1 else ''}, the largest "
                f"{stop - start:,.1f} s "
                f"at MET {start:.1f}..{stop:.1f}"
            )
        return text + f"; {self.rejected_lines} magic7 lines rejected"

    def as_dict(self) -> dict:
        largest = self.largest_gap
        return {
            "span": [self.span_start, self.span_stop],
            "rows": self.rows,
            "covered_seconds": self.covered_seconds,
            "excused_seconds": self.excused_seconds,
            "share": self.share,
            "gaps": [list(gap) for gap in self.gaps],
            "gap_count": self.gap_count,
            "gap_seconds": self.gap_seconds,
            "largest_gap": list(largest) if largest else None,
            "rejected_lines": self.rejected_lines,
            "summary": self.summary(),
        }


def ft2_coverage(
    start: np.ndarray,
    stop: np.ndarray,
    span_start: float,
    span_stop: float,
    known_gaps: Sequence[tuple[float, float]] = (),
    rejected_lines: int = 0,
) -> Coverage:
    """Coverage of rows ``start``..``stop`` (MET s, any order) over ``span_start``..``span_stop``."""
    if not span_stop > span_start:
        raise ValueError(f"the span {span_start}..{span_stop} is empty")
    start, stop = np.asarray(start, dtype=np.float64), np.asarray(stop, dtype=np.float64)
    rows = _union(start, stop, span_start, span_stop)
    excused = _union(*_columns(known_gaps), span_start, span_stop)
    either = _union(
        np.concatenate([rows[0], excused[0]]), np.concatenate([rows[1], excused[1]]), span_start, span_stop
    )
    gap_starts = np.concatenate([[span_start], either[1]])
    gap_stops = np.concatenate([either[0], [span_stop]])
    real = gap_stops - gap_starts > JOIN_WITHIN
    gap_starts, gap_stops = gap_starts[real], gap_stops[real]
    lengths = gap_stops - gap_starts
    kept = np.sort(np.argsort(-lengths, kind="stable")[:GAPS_KEPT])
    excused_seconds = float(np.sum(excused[1] - excused[0]))
    to_cover = span_stop - span_start - excused_seconds
    gap_seconds = float(lengths.sum())
    return Coverage(
        span_start=float(span_start),
        span_stop=float(span_stop),
        rows=len(start),
        covered_seconds=float(np.sum(rows[1] - rows[0])),
        excused_seconds=excused_seconds,
        share=(to_cover - gap_seconds) / to_cover if to_cover > 0 else 1.0,
        gaps=tuple((float(a), float(b)) for a, b in zip(gap_starts[kept], gap_stops[kept], strict=True)),
        gap_count=len(lengths),
        gap_seconds=gap_seconds,
        rejected_lines=rejected_lines,
    )


def _columns(intervals: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.asarray(list(intervals), dtype=np.float64).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def _union(start: np.ndarray, stop: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """The intervals merged where they overlap or touch (within JOIN_WITHIN), clipped to low..high."""
    start, stop = np.clip(start, low, high), np.clip(stop, low, high)
    keep = stop > start
    start, stop = start[keep], stop[keep]
    if not len(start):
        return start, stop
    order = np.argsort(start, kind="stable")
    start, stop = start[order], stop[order]
    reach = np.maximum.accumulate(stop)
    begins = np.concatenate([[True], start[1:] > reach[:-1] + JOIN_WITHIN])
    first = np.flatnonzero(begins)
    last = np.concatenate([first[1:], [len(start)]]) - 1
    return start[first], reach[last]
