"""FT2 time bins: the 1-s bins of a run from its ORB records, and the 30-s bins merged from them.

1-s bins follow ft2Util (``Magic7::setupTimeIntervals``, ``Ft2::padTimeIntervals``): a bin starts at
each ORB record; where records are missing for up to ``max_gap`` seconds the gap is filled with 1-s
bins (their state interpolated); the first bin starts at the requested start and the last one ends
at the requested stop. Where telemetry (ORB or ATT) stops for longer than ``max_gap`` nothing is
interpolated: the bin before the gap ends after its nominal second, no bin starts inside the gap,
and the gap is reported so that validation can fail the run.

30-s bins follow ft2Util's ``mergeFT2``: consecutive 1-s bins are accumulated while the bin stays
within 30 s of its start; a change of LAT_MODE, LAT_CONFIG or DATA_QUAL, or livetime becoming zero
or non-zero, ends a bin early. Each 30-s bin takes every column of its first 1-s bin, the STOP of
its last one and the sum of their livetimes. (A 1-s table from the ground software has no holes; a
hole left at a telemetry gap here also ends a bin, so no 30-s bin spans one.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.science.ft2state import SAME_TIME, interpolable
from pipelines.science.magic7 import Gap

ONE_SECOND = 1.0
THIRTY_SECONDS = 30.0
JITTER = 0.25  # s; ORB time stamps wander by far less than this around whole seconds
DEFAULT_MAX_GAP = 5.0  # s of missing telemetry across which positions and attitudes are interpolated


class BinError(ValueError):
    """The requested span cannot be binned from these records."""


def describe_gap(gap: Gap) -> str:
    """What a telemetry gap did to the bins."""
    return f"{gap.describe()}: not interpolated, no bin starts before MET {gap.before:.6f}"


@dataclass(frozen=True)
class OneSecondBins:
    start: np.ndarray
    stop: np.ndarray
    gaps: tuple[Gap, ...]


def one_second_bins(
    orb_met: np.ndarray,
    orb_mode: np.ndarray,
    att_met: np.ndarray,
    start: float,
    stop: float,
    max_gap: float = DEFAULT_MAX_GAP,
) -> OneSecondBins:
    if not stop > start:
        raise BinError(f"stop ({stop}) must be after start ({start})")
    if max_gap < ONE_SECOND + JITTER:
        raise BinError(f"the gap limit ({max_gap:g} s) must pass the second between ORB records")
    first = max(int(np.searchsorted(orb_met, start, side="right")) - 1, 0)
    last = int(np.searchsorted(orb_met, stop, side="left"))
    if not np.any((orb_met[first:last] >= start) & (orb_met[first:last] < stop)):
        raise BinError(f"no ORB record between {start} and {stop}")
    records, modes = orb_met[first:last], orb_mode[first:last]
    # Records less than a second apart start a new bin only at a change of mode, as in ft2Util.
    step = np.diff(records)
    keep = np.concatenate(([True], (step > ONE_SECOND - JITTER) | (modes[1:] != modes[:-1])))
    records = records[keep]
    step = np.diff(records)
    short = np.flatnonzero((step > ONE_SECOND + JITTER) & (step <= max_gap))
    fills = [records[i] + np.arange(1.0, np.round(step[i])) for i in short.tolist()]
    edges = np.sort(np.concatenate([records, *fills]))
    edges = edges[(edges >= start) & (edges < stop)]
    if edges[0] - start > SAME_TIME:
        edges = np.concatenate(([start], edges))
    following = np.concatenate((edges[1:], [stop]))
    # A bin never outlasts its nominal second: a gap in the records leaves a hole in the table.
    ends = np.where(following - edges > ONE_SECOND + JITTER, edges + ONE_SECOND, following)
    orb_gaps = [
        Gap("ORB", float(records[i]), float(records[i + 1]))
        for i in np.flatnonzero(step > max_gap).tolist()
        if records[i + 1] > start and records[i] < stop
    ]
    for kind, met in (("ORB", orb_met), ("ATT", att_met)):
        if edges[0] < met[0] or edges[-1] > met[-1]:
            raise BinError(
                f"{kind} records cover {met[0]:.6f}..{met[-1]:.6f} but bins start "
                f"{edges[0]:.6f}..{edges[-1]:.6f}; interpolation needs records on both sides"
            )
    served = interpolable(orb_met, edges, max_gap) & interpolable(att_met, edges, max_gap)
    att_step = np.diff(att_met)
    att_gaps = [
        Gap("ATT", float(att_met[i]), float(att_met[i + 1]))
        for i in np.flatnonzero(att_step > max_gap).tolist()
        if att_met[i + 1] > edges[0] and att_met[i] < ends[-1]
    ]
    return OneSecondBins(
        edges[served], ends[served], tuple(sorted(orb_gaps + att_gaps, key=lambda g: g.after))
    )


@dataclass(frozen=True)
class MergedBins:
    first: np.ndarray  # index of the first 1-s bin of each merged bin
    stop: np.ndarray
    livetime: np.ndarray


def merge_bins(
    start: np.ndarray,
    stop: np.ndarray,
    lat_mode: np.ndarray,
    lat_config: np.ndarray,
    data_qual: np.ndarray,
    livetime: np.ndarray,
    seconds: float = THIRTY_SECONDS,
) -> MergedBins:
    """mergeFT2's accumulation of 1-s bins into bins of at most ``seconds``."""
    n = len(start)
    if n == 0:
        return MergedBins(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    next_length = np.concatenate((stop[1:] - start[1:], [0.0]))
    new_class = np.zeros(n, dtype=bool)
    new_class[1:] = (
        (lat_mode[1:] != lat_mode[:-1])
        | (lat_config[1:] != lat_config[:-1])
        | (data_qual[1:] != data_qual[:-1])
        | ((livetime[1:] > 0) != (livetime[:-1] > 0))
        | (np.abs(start[1:] - stop[:-1]) > SAME_TIME)
    )
    reach, new_class, live = (stop + next_length).tolist(), new_class.tolist(), livetime.tolist()
    begins = start.tolist()
    firsts, ends, sums = [], [], []
    i = 0
    while i < n:
        limit, total, j = begins[i] + seconds, 0.0, i
        while True:
            if reach[j] > limit:  # this 1-s bin is the last that fits
                total += live[j]
                break
            if j > i and new_class[j]:  # this 1-s bin starts the next merged bin
                j -= 1
                break
            total += live[j]
            if j + 1 == n:
                break
            j += 1
        firsts.append(i)
        ends.append(j)
        sums.append(total)
        i = j + 1
    return MergedBins(np.array(firsts, dtype=np.int64), stop[ends], np.array(sums))
