"""K-way merge of event files into one, sorted by TIME then EVENT_ID, each event written once.

Inputs are read in blocks of raw rows (every column passes through as it is). A round takes, from
every input, the rows up to the smallest "last buffered key" among inputs that still have rows on
disk: no later block can hold a smaller key, so those rows can be sorted and written. Memory holds
about ``buffer_rows`` rows whatever the size of the run. Inputs already sorted cost a timsort of a
few runs per round; an event seen again (same TIME and EVENT_ID: a retransmission, or an event an
earlier version already holds) is written once, from the first input that has it, and counted.

The GTI written is the union of the inputs' GTIs (an input without one covers its first to its
last event); TSTART/TSTOP span the GTI and the events.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

from .eventfile import (
    EventFile,
    EventFileError,
    gti_table,
    open_event_file,
    time_keywords,
    time_span,
    union_intervals,
)
from .fitsstream import Cards, FitsStream

DEFAULT_BUFFER_ROWS = 1 << 20
DROPPED_KEYWORDS = ("CHECKSUM", "DATASUM")


@dataclass(frozen=True)
class MergeCounts:
    events: int  # written
    duplicates: int  # read again and dropped
    records: int  # read from the inputs
    tstart: float
    tstop: float
    gti: np.ndarray


def in_order(times: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """For each neighbouring pair, whether it is in (TIME, EVENT_ID) order."""
    return (times[1:] > times[:-1]) | ((times[1:] == times[:-1]) & (ids[1:] >= ids[:-1]))


class _Source:
    """One sorted input, read a block at a time."""

    def __init__(self, event_file: EventFile, block_rows: int):
        self.file, self.block_rows, self.next_row = event_file, block_rows, 0
        self.rows = np.empty(0, dtype=event_file.layout.row_dtype)
        self.times, self.ids = np.empty(0), np.empty(0, dtype=np.int64)

    @property
    def more_on_disk(self) -> bool:
        return self.next_row < self.file.rows

    def refill(self) -> None:
        if len(self.rows) or not self.more_on_disk:
            return
        previous = (self.times[-1:], self.ids[-1:])
        self.rows = self.file.read(self.next_row, min(self.block_rows, self.file.rows - self.next_row))
        self.times, self.ids = self.file.layout.keys(self.rows)
        ordered = in_order(np.concatenate([previous[0], self.times]), np.concatenate([previous[1], self.ids]))
        if not ordered.all():
            row = self.next_row + int(np.argmin(ordered)) + 1 - len(previous[0])
            name = self.file.path.name
            raise EventFileError(f"{name} is not sorted by TIME then EVENT_ID at row {row + 1}")
        self.next_row += len(self.rows)

    def count_up_to(self, time: float, event_id: int) -> int:
        """How many buffered rows have a key at most (time, event_id)."""
        high = int(np.searchsorted(self.times, time, "right"))
        low = int(np.searchsorted(self.times, time, "left"))
        return low + int(np.searchsorted(self.ids[low:high], event_id, "right")) if high > low else high

    def take(self, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        taken = self.rows[:count], self.times[:count], self.ids[:count]
        self.rows, self.times, self.ids = self.rows[count:], self.times[count:], self.ids[count:]
        return taken


def _check_same_layout(inputs: Sequence[EventFile]) -> None:
    first = inputs[0]
    for other in inputs[1:]:
        if other.layout.columns != first.layout.columns:
            theirs, ours = other.layout.columns, first.layout.columns
            where = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), None)
            detail = (
                f"column {where + 1} is {theirs[where]} there and {ours[where]} in {first.path.name}"
                if where is not None
                else f"{len(theirs)} columns there, {len(ours)} in {first.path.name}"
            )
            raise EventFileError(f"{other.path.name} has other EVENTS columns: {detail}")


def _coverage(inputs: Sequence[EventFile]) -> np.ndarray:
    parts = []
    for source in inputs:
        if source.gti is not None:
            parts.append(source.gti)
        elif source.rows:
            first, _ = source.layout.keys(source.read(0, 1))
            last, _ = source.layout.keys(source.read(source.rows - 1, 1))
            parts.append(np.array([[first[0], last[0]]]))
    return union_intervals(np.concatenate(parts)) if parts else np.empty((0, 2))


def _round(sources: list[_Source]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The next rows that no later block can precede, sorted (duplicates still in)."""
    for source in sources:
        source.refill()
    live = [s for s in sources if len(s.rows)]
    if not live:
        return None
    bounds = [(s.times[-1], s.ids[-1]) for s in live if s.more_on_disk]
    time, event_id = min(bounds) if bounds else (np.inf, np.iinfo(np.int64).max)
    parts = [s.take(s.count_up_to(time, event_id)) for s in live]
    parts = [part for part in parts if len(part[0])]
    if len(parts) == 1:
        return parts[0]
    rows, times, ids = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.argsort(times, kind="stable")  # timsort: a few sorted runs merge in linear time
    if not in_order(times[order], ids[order]).all():
        order = np.lexsort((ids, times))  # equal times from different inputs: order by EVENT_ID
    return rows[order], times[order], ids[order]


def _clean(header: fits.Header, keywords: dict) -> Cards:
    header = Cards.from_header(header)
    for key in DROPPED_KEYWORDS:
        header.discard(key)
    for key, value in keywords.items():
        header[key] = value
    return header


def merge_event_files(
    inputs: Sequence[EventFile], handle, keywords: dict, buffer_rows: int = DEFAULT_BUFFER_ROWS
) -> MergeCounts:
    """Merge sorted ``inputs`` into the open binary file ``handle`` (see the module doc).
    ``keywords`` go into every header; headers otherwise follow the first input's."""
    if not inputs:
        raise EventFileError("nothing to merge: no input files")
    _check_same_layout(inputs)
    block_rows = max(1, buffer_rows // len(inputs))
    sources = [_Source(event_file, block_rows) for event_file in inputs]
    stream = FitsStream(handle)
    stream.begin(_clean(inputs[0].primary, keywords))
    stream.end()
    events = stream.begin(_clean(inputs[0].header, {**keywords, "NAXIS2": 0}))
    written = duplicates = 0
    first_time = last_time = None
    last_key = None  # the last key written by the previous round
    while (batch := _round(sources)) is not None:
        rows, times, ids = batch
        keep = np.ones(len(rows), dtype=bool)
        keep[1:] = (times[1:] != times[:-1]) | (ids[1:] != ids[:-1])
        if last_key is not None and (times[0], ids[0]) == last_key:
            keep[0] = False
        kept = int(keep.sum())
        stream.write(rows[keep] if kept < len(rows) else rows)
        written, duplicates = written + kept, duplicates + len(rows) - kept
        first_time = times[0] if first_time is None else first_time
        last_time, last_key = times[-1], (times[-1], ids[-1])
    stream.end()
    gti = _coverage(inputs)
    tstart, tstop = time_span(gti, first_time, last_time)
    span = time_keywords(tstart, tstop)
    gti_header, gti_data = gti_table(gti, {**keywords, **span})
    stream.begin(gti_header)
    stream.write(gti_data)
    stream.end()
    stream.close({0: span, events: span, 2: span})
    records = sum(source.rows for source in inputs)
    return MergeCounts(written, duplicates, records, tstart, tstop, gti)


def sorted_inputs(inputs: Sequence[EventFile], folder: str | os.PathLike) -> list[EventFile]:
    """``inputs`` with each one that is not in (TIME, EVENT_ID) order replaced by a sorted copy
    in ``folder`` (that input is sorted in memory, the others are only scanned)."""
    result = []
    for event_file in inputs:
        if _is_sorted(event_file):
            result.append(event_file)
            continue
        rows = event_file.read(0, event_file.rows)
        times, ids = event_file.layout.keys(rows)
        fd, name = tempfile.mkstemp(prefix=f".{event_file.path.name}.", suffix=".sorted.fits", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            stream = FitsStream(handle)
            stream.begin(_clean(event_file.primary, {}))
            stream.end()
            stream.begin(_clean(event_file.header, {"NAXIS2": 0}))
            stream.write(rows[np.lexsort((ids, times))])
            stream.end()
            if event_file.gti is not None:
                header, data = gti_table(event_file.gti, {})
                stream.begin(header)
                stream.write(data)
                stream.end()
            stream.close()
        result.append(open_event_file(Path(name)))
    return result


def _is_sorted(event_file: EventFile, block_rows: int = DEFAULT_BUFFER_ROWS) -> bool:
    previous = (np.empty(0), np.empty(0, dtype=np.int64))
    for first in range(0, event_file.rows, block_rows):
        times, ids = event_file.layout.keys(event_file.read(first, block_rows))
        if not in_order(np.concatenate([previous[0], times]), np.concatenate([previous[1], ids])).all():
            return False
        previous = (times[-1:], ids[-1:])
    return True
