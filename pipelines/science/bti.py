"""Bad Time Interval (BTI) flagging of the FT2 DATA_QUAL column.

DATA_QUAL values: 1 good, 2 waiting review, 3 good with bad parts, 0 bad, negative special
(-1 solar flare). A bin takes an interval's value when it overlaps the interval's [start, stop).

A set is applied as the L1 processing's flagFT2 step applies it (public Fermi L1 processing code,
``flagFT2.py``): intervals apply in their listed order, later ones overwriting earlier ones; each
flags the 30-s bins it overlaps, then the 1-s bins overlapping the span of those 30-s bins, and the
1-s span flagged must equal the 30-s span (else "1-second ranges did not correctly aggregate to
30-second ranges"); an interval overlapping no bin is an error. The spans flagged are returned
(flagFT2 records them as the interval's FT2 start and end).

Flagging writes new files; the inputs are never modified. A run's 1-s and 30-s files are flagged
together (``flag_run``), so that each interval's spans can be checked against each other.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from pipelines.science.ft2 import EXTNAME


class BtiError(ValueError):
    """Invalid intervals, or files that cannot be flagged together."""


@dataclass(frozen=True)
class BadTimeInterval:
    start: float
    stop: float
    value: int

    def __post_init__(self) -> None:
        if not self.stop > self.start:
            raise BtiError(f"interval stop {self.stop} is not after start {self.start}")
        if int(self.value) != self.value:
            raise BtiError(f"DATA_QUAL value must be an integer, not {self.value!r}")


def intervals_from_document(document: list | dict) -> list[BadTimeInterval]:
    """Intervals of a BTI document: {"intervals": [{"start", "stop", "value"}, ...]} or the bare list."""
    items = document.get("intervals", []) if isinstance(document, dict) else document
    intervals = []
    for number, item in enumerate(items, start=1):
        try:
            intervals.append(BadTimeInterval(float(item["start"]), float(item["stop"]), int(item["value"])))
        except (KeyError, TypeError, ValueError) as error:
            raise BtiError(
                f"interval {number} ({item!r}) needs numbers start, stop and value: {error}"
            ) from None
    return intervals


@dataclass(frozen=True)
class Bins:
    """START, STOP and DATA_QUAL of one FT2 file's bins."""

    start: np.ndarray
    stop: np.ndarray
    data_qual: np.ndarray


def _flag_range(
    bins: Bins, flagged: np.ndarray, start: float, stop: float, value: int
) -> tuple[float, float]:
    overlaps = (bins.start < stop) & (bins.stop > start)
    if not overlaps.any():
        raise BtiError(
            f"BTI interval {start:.6f}..{stop:.6f} (value {value}) overlaps no bin of the file, which covers "
            f"{bins.start[0]:.6f}..{bins.stop[-1]:.6f}; correct the interval or the run it is filed for"
        )
    flagged[overlaps] = value
    return float(bins.start[overlaps].min()), float(bins.stop[overlaps].max())


def flag_like_flagft2(
    intervals: Sequence[BadTimeInterval], one_second: Bins, thirty_second: Bins
) -> tuple[np.ndarray, np.ndarray, tuple[BadTimeInterval, ...]]:
    """flagFT2 on a run's two files: new DATA_QUAL of the 1-s and 30-s bins, and the FT2 span each
    interval flagged. Nothing is returned when a 1-s span differs from its 30-s span: BtiError."""
    flagged_1s, flagged_30s = np.array(one_second.data_qual), np.array(thirty_second.data_qual)
    ranges = []
    for number, interval in enumerate(intervals, start=1):
        span_30s = _flag_range(thirty_second, flagged_30s, interval.start, interval.stop, interval.value)
        span_1s = _flag_range(one_second, flagged_1s, *span_30s, interval.value)
        if span_1s != span_30s:
            raise BtiError(
                f"BTI interval {number} ({interval.start:.6f}..{interval.stop:.6f}, value {interval.value}): "
                f"the 30-s bins flagged span {span_30s[0]:.6f}..{span_30s[1]:.6f} but the 1-s bins flagged "
                f"span {span_1s[0]:.6f}..{span_1s[1]:.6f}; the 1-s ranges must aggregate to the same 30-s "
                "ranges: the two files do not come from the same bins"
            )
        ranges.append(BadTimeInterval(*span_30s, interval.value))
    return flagged_1s, flagged_30s, tuple(ranges)


@dataclass(frozen=True)
class FlagJob:
    input_path: str | os.PathLike
    output_path: str | os.PathLike
    filename: str | None = None  # FILENAME of the flagged product, when output_path is a temp file


@dataclass(frozen=True)
class FlaggedRun:
    changed: dict[str, int]  # bins whose DATA_QUAL changed, per file ("1s", "30s")
    ranges: tuple[BadTimeInterval, ...]  # the FT2 span each interval flagged, in order


def flag_run(intervals: Sequence[BadTimeInterval], one_second: FlagJob, thirty_second: FlagJob) -> FlaggedRun:
    """Flag a run's 1-s and 30-s files as flagFT2 does, into new files (the inputs are never
    modified; CHECKSUM and DATASUM are recomputed). Nothing is written when an interval fails."""
    jobs = {"1s": one_second, "30s": thirty_second}
    if any(os.path.abspath(j.input_path) == os.path.abspath(j.output_path) for j in jobs.values()):
        raise BtiError("flagging writes a new file; input and output must differ")
    # Read fully into memory (no memmap): the edit below must never reach the input files.
    with (
        fits.open(one_second.input_path, memmap=False) as one,
        fits.open(thirty_second.input_path, memmap=False) as thirty,
    ):
        hduls = {"1s": one, "30s": thirty}
        tables = {label: hdul[EXTNAME].data for label, hdul in hduls.items()}
        bins = {
            label: Bins(np.asarray(t["START"]), np.asarray(t["STOP"]), np.asarray(t["DATA_QUAL"]))
            for label, t in tables.items()
        }
        flagged_1s, flagged_30s, ranges = flag_like_flagft2(intervals, bins["1s"], bins["30s"])
        changed = {}
        for label, flagged in (("1s", flagged_1s), ("30s", flagged_30s)):
            changed[label] = int(np.count_nonzero(flagged != bins[label].data_qual))
            tables[label]["DATA_QUAL"] = flagged
            if jobs[label].filename is not None:
                for hdu in hduls[label]:
                    hdu.header["FILENAME"] = jobs[label].filename
            hduls[label].writeto(jobs[label].output_path, overwrite=True, checksum=True)
    return FlaggedRun(changed, ranges)
