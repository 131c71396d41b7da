"""Bad Time Interval (BTI) flagging of the FT2 DATA_QUAL column.

DATA_QUAL values: 1 good, 2 waiting review, 3 good with bad parts, 0 bad, negative special
(-1 solar flare). A bin takes an interval's value when it overlaps the interval's [start, stop).

Two ways of applying a set, each named for what it follows:

- ``flag_like_flagft2``: the L1 processing's flagFT2 step (public Fermi L1 processing code,
  ``flagFT2.py``): intervals apply in their listed order, later ones overwriting earlier ones; each
  flags the 30-s bins it overlaps, then the 1-s bins overlapping the span of those 30-s bins, and
  the 1-s span flagged must equal the 30-s span (else "1-second ranges did not correctly aggregate
  to 30-second ranges"); an interval overlapping no bin is an error. The spans flagged are returned
  (flagFT2 records them as the interval's FT2 start and end).
- ``apply_intervals`` / ``flag_run``: the portal's campaign rule, independent of the listing:
  positive values ascending, then zero and negative values by increasing magnitude (1, 3, 0, -1, -7),
  so the most severe flag wins.

Flagging writes a new file; the input is never modified. The 1-s and 30-s files of a run are
flagged together and must cover the same span.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from pipelines.ft2 import EXTNAME

SPAN_TOLERANCE = 1e-6  # s


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


def precedence(value: int) -> tuple[int, int]:
    """Sort key giving the application order 1, 2, 3, ..., 0, -1, -2, ... (later overwrites)."""
    return (0, value) if value > 0 else (1, -value)


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


def apply_in_order(
    start: np.ndarray, stop: np.ndarray, data_qual: np.ndarray, intervals: Iterable[BadTimeInterval]
) -> np.ndarray:
    """New DATA_QUAL array with the intervals applied in the order given, later ones overwriting."""
    flagged = np.array(data_qual, copy=True)
    for interval in intervals:
        flagged[(start < interval.stop) & (stop > interval.start)] = interval.value
    return flagged


def apply_intervals(
    start: np.ndarray, stop: np.ndarray, data_qual: np.ndarray, intervals: Iterable[BadTimeInterval]
) -> np.ndarray:
    """New DATA_QUAL array with the intervals applied in precedence order."""
    return apply_in_order(start, stop, data_qual, sorted(intervals, key=lambda i: precedence(i.value)))


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


def span(path: str | os.PathLike) -> tuple[float, float]:
    with fits.open(path) as hdul:
        data = hdul[EXTNAME].data
        return float(data["START"][0]), float(data["STOP"][-1])


def flag_file(
    intervals: Sequence[BadTimeInterval],
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    filename: str | None = None,
) -> int:
    """Write a flagged copy of ``input_path`` to ``output_path``; return the number of bins changed.

    ``filename`` (the product's name, as ``output_path`` may be a temporary file) replaces FILENAME.
    CHECKSUM and DATASUM are recomputed for the new content.
    """
    if os.path.abspath(input_path) == os.path.abspath(output_path):
        raise BtiError("flagging writes a new file; input and output must differ")
    # Read fully into memory (no memmap): the edit below must never reach the input file.
    with fits.open(input_path, mode="readonly", memmap=False) as hdul:
        table = hdul[EXTNAME]
        before = np.array(table.data["DATA_QUAL"])
        flagged = apply_intervals(table.data["START"], table.data["STOP"], before, intervals)
        table.data["DATA_QUAL"] = flagged
        if filename is not None:
            for hdu in hdul:
                hdu.header["FILENAME"] = filename
        hdul.writeto(output_path, overwrite=True, checksum=True)
    return int(np.count_nonzero(flagged != before))


def require_same_span(one_second_path: str | os.PathLike, thirty_second_path: str | os.PathLike) -> None:
    """Raise BtiError unless a run's 1-s and 30-s files cover the same time."""
    span_1s, span_30s = span(one_second_path), span(thirty_second_path)
    if not np.allclose(span_1s, span_30s, rtol=0, atol=SPAN_TOLERANCE):
        raise BtiError(
            f"1-s file covers {span_1s[0]:.6f}..{span_1s[1]:.6f} but 30-s file covers "
            f"{span_30s[0]:.6f}..{span_30s[1]:.6f}; they must span the same run"
        )


@dataclass(frozen=True)
class FlagJob:
    input_path: str | os.PathLike
    output_path: str | os.PathLike
    filename: str | None = None  # FILENAME of the flagged product, when output_path is a temp file


def flag_run(
    intervals: Sequence[BadTimeInterval], one_second: FlagJob, thirty_second: FlagJob
) -> tuple[int, int]:
    """Flag a run's 1-s and 30-s files; both must span the same time, else nothing is written."""
    require_same_span(one_second.input_path, thirty_second.input_path)
    return (
        flag_file(intervals, one_second.input_path, one_second.output_path, one_second.filename),
        flag_file(intervals, thirty_second.input_path, thirty_second.output_path, thirty_second.filename),
    )
