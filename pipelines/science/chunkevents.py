"""A decoded chunk's events split by run, each part sorted and with the time it covers.

Whatever decoded the chunk (the built-in decoder or a configured command), its events arrive
here as FT1 rows. Each run the chunk carries gets its part of the chunk's span: from the later of
the span start and the run start, to the earlier of the span stop and the next run's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .eventfile import FT1_COLUMNS, FT1_DTYPE, EventFileError, open_event_file

FT1_LAYOUT = tuple((name, tform, unit) for name, tform, unit, _ in FT1_COLUMNS)


class ChunkEventsError(ValueError):
    """The decoded events do not agree with the chunk's RetDef."""


@dataclass(frozen=True)
class RunPart:
    run_id: int
    rows: np.ndarray  # FT1_DTYPE, sorted by TIME then EVENT_ID
    coverage: np.ndarray  # (1, 2): START, STOP


def split_by_run(
    rows: np.ndarray, start: float, stop: float, runs: Sequence[int], what: str
) -> list[RunPart]:
    """One part per run holding events (runs named in the RetDef without events get none)."""
    present = np.unique(rows["RUN_ID"])
    unknown = sorted(set(present.tolist()) - set(runs))
    if unknown:
        raise ChunkEventsError(
            f"{what} holds events of runs {unknown} that its RetDef does not name (it names {list(runs)})"
        )
    outside = (rows["TIME"] < start) | (rows["TIME"] > stop)
    if outside.any():
        first = float(rows["TIME"][outside][0])
        raise ChunkEventsError(f"{what}: event at MET {first} lies outside the chunk span [{start}, {stop}]")
    declared = sorted(runs)
    parts = []
    for run_id in present.tolist():
        part = rows[rows["RUN_ID"] == run_id]
        part = part[np.lexsort((part["EVENT_ID"], part["TIME"]))]
        later = [r for r in declared if r > run_id]
        coverage = np.array([[max(start, float(run_id)), min(stop, float(later[0])) if later else stop]])
        parts.append(RunPart(int(run_id), part, coverage))
    return parts


def read_decoder_outputs(folder: Path, what: str) -> np.ndarray:
    """The events a decoder command wrote into ``folder``: FITS files whose EVENTS table has the
    portal's FT1 columns (pipelines.science.eventfile.FT1_COLUMNS), concatenated."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    if not files:
        raise ChunkEventsError(f"the decoder wrote no event file for {what}")
    parts = []
    for path in files:
        try:
            event_file = open_event_file(path)
        except EventFileError as error:
            raise ChunkEventsError(f"decoder output for {what}: {error}") from error
        if event_file.layout.columns != FT1_LAYOUT:
            raise ChunkEventsError(
                f"decoder output {path.name} for {what} does not have the FT1 columns "
                f"{[c[0] for c in FT1_LAYOUT]} (found {[c[0] for c in event_file.layout.columns]})"
            )
        parts.append(event_file.read(0, event_file.rows).view(FT1_DTYPE))
    return np.concatenate(parts)
