"""Simulated downlinks for tests, benchmarks and the demo, in the portal's raw chunk format.

One continuous stream of LAT events is cut into downlinks and each downlink into chunks, as the
spacecraft sends them: runs (acquisitions, named by their start MET) last longer than a downlink
or start in the middle of one, so runs cross downlink boundaries; each chunk repeats the last
seconds of the one before it (retransmitted records, byte for byte), across downlinks too; a few
events share their TIME with the next one. ``corrupt=(downlink, chunk)`` damages one chunk's
records after its CRC was computed. Deterministic given the seed.

Each downlink is a folder ``<downlink %09d>/`` holding ``<downlink>-<chunk %05d>.chunk`` and
``RetDef-<downlink>-<chunk>.xml`` files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..science import rawchunk
from ..science.retdef import RetDef, chunk_name, retdef_name, write_retdef

CREATED = dt.datetime(2023, 4, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Timeline:
    start: float = 545208791.0  # MET of the first run start
    downlinks: int = 2
    downlink_seconds: float = 5400.0
    chunks: int = 4  # per downlink
    run_seconds: float = 4000.0
    event_rate: float = 2.0  # events per second
    retransmit_seconds: float = 20.0
    first_downlink: int = 230401001

    def run_starts(self) -> np.ndarray:
        total = self.downlinks * self.downlink_seconds
        return self.start + np.arange(0.0, total, self.run_seconds)


def simulate_events(timeline: Timeline, seed: int = 0) -> np.ndarray:
    """The whole event stream (rawchunk.RECORD_DTYPE), in time order."""
    rng = np.random.default_rng(seed)
    total = timeline.downlinks * timeline.downlink_seconds
    count = int(rng.poisson(timeline.event_rate * total))
    times = np.sort(np.round(timeline.start + rng.uniform(0.0, total, count), 6))
    shared = rng.random(count) < 0.002  # a few events share their time with the one before
    shared[0] = False
    times[shared] = times[np.flatnonzero(shared) - 1]
    times = np.maximum.accumulate(times)
    starts = timeline.run_starts()
    run_index = np.searchsorted(starts, times, side="right") - 1
    records = np.zeros(count, dtype=rawchunk.RECORD_DTYPE)
    records["TIME"] = times
    records["RUN_ID"] = starts[run_index].astype(np.uint32)
    first_of_run = np.searchsorted(run_index, np.arange(len(starts)))
    records["EVENT_ID"] = np.arange(count) - first_of_run[run_index]
    records["ENERGY"] = 100.0 / np.maximum(rng.random(count), 1e-5)  # a power law from 100 MeV
    records["RA"] = rng.uniform(0.0, 360.0, count)
    records["DEC"] = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, count)))
    records["THETA"] = np.degrees(np.arccos(rng.uniform(0.3, 1.0, count)))
    records["PHI"] = rng.uniform(0.0, 360.0, count)
    records["EVENT_CLASS"] = rng.choice(np.array([1 << 2, 1 << 4, (1 << 7) | (1 << 4)]), count)
    back = rng.random(count) < 0.4
    records["EVENT_TYPE"] = np.where(back, 2, 1)
    records["FLAGS"] = back.astype(np.uint16)
    return records


def chunk_spans(timeline: Timeline, downlink: int) -> list[tuple[float, float]]:
    begin = timeline.start + downlink * timeline.downlink_seconds
    edges = np.linspace(begin, begin + timeline.downlink_seconds, timeline.chunks + 1)
    spans = []
    for number, (low, high) in enumerate(itertools.pairwise(edges)):
        first_ever = downlink == 0 and number == 0
        spans.append((float(low if first_ever else low - timeline.retransmit_seconds), float(high)))
    return spans


def write_downlinks(
    folder: str | Path,
    timeline: Timeline = Timeline(),
    *,
    seed: int = 0,
    corrupt: tuple[int, int] | None = None,
) -> list[Path]:
    """Write the timeline's downlinks under ``folder``; returns their folders."""
    records = simulate_events(timeline, seed)
    run_starts = timeline.run_starts()
    written = []
    for downlink in range(timeline.downlinks):
        downlink_id = timeline.first_downlink + downlink
        target = Path(folder) / f"{downlink_id:09d}"
        target.mkdir(parents=True, exist_ok=True)
        for number, (low, high) in enumerate(chunk_spans(timeline, downlink), start=1):
            inside = records[(records["TIME"] >= low) & (records["TIME"] < high)]
            raw = bytearray(rawchunk.encode(downlink_id, number, inside))
            if corrupt == (downlink_id, number):
                raw[rawchunk.HEADER.size + 9] ^= 0xFF  # an EVENT_ID byte: the CRC no longer matches
            name = chunk_name(downlink_id, number)
            (target / name).write_bytes(raw)
            in_force = run_starts[(run_starts < high) & (run_starts > low)]
            before = run_starts[run_starts <= low]
            runs = tuple(int(r) for r in np.concatenate([before[-1:], in_force]))
            created = CREATED + dt.timedelta(hours=downlink, minutes=number)
            retdef = RetDef(
                downlink_id, number, created, f"level0/{downlink_id:09d}", runs, name, low, high,
                hashlib.sha256(raw).hexdigest(),
            )  # fmt: skip
            (target / retdef_name(downlink_id, number)).write_bytes(write_retdef(retdef))
        written.append(target)
    return written
