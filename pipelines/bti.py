"""Bad Time Interval (BTI) flagging of the FT2 DATA_QUAL column.

DATA_QUAL values: 1 good, 2 waiting review, 3 good with bad parts, 0 bad, negative special
(-1 solar flare). Every bin overlapping an interval's [start, stop) takes the interval's value.
Where intervals overlap, they apply in this order, later ones overwriting earlier ones: positive
values ascending, then zero and negative values by increasing magnitude (1, 3, 0, -1, -7), so
the most severe flag wins.

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


def apply_intervals(
    start: np.ndarray, stop: np.ndarray, data_qual: np.ndarray, intervals: Iterable[BadTimeInterval]
) -> np.ndarray:
    """New DATA_QUAL array with the intervals applied in precedence order."""
    flagged = np.array(data_qual, copy=True)
    for interval in sorted(intervals, key=lambda interval: precedence(interval.value)):
        overlaps = (start < interval.stop) & (stop > interval.start)
        flagged[overlaps] = interval.value
    return flagged


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
