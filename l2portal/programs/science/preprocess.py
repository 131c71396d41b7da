"""The pure part of preprocessing an Observing Program: describe the L1 frames fetched into its
scratch folder for the inversion, in a manifest (the fetching itself is transfer.py's).

Frames are grouped per dataset and per spectral line; each dataset's lines are read from one of
its frames' headers (every frame of a dataset carries the same). Deterministic (no timestamps,
sorted), so preprocessing the same frames twice writes the same manifest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from l2portal.programs.science.level1 import frame_header, intensity_frames
from l2portal.programs.science.metadata import DatasetInventory
from l2portal.programs.science.qualify import DEFAULT_LINES, SpectralLine, identify_lines

# Header keyword of the metadata store's dataset id in DKIST L1 frames (SPEC-0214).
DATASET_ID_KEYWORD = "DSETID"
MANIFEST_VERSION = 2


def _dataset_of(header, frame: Path) -> DatasetInventory:
    dataset_id = header.get(DATASET_ID_KEYWORD)
    if not dataset_id:
        raise ValueError(f"{frame.name}: header has no {DATASET_ID_KEYWORD}")
    named_lines = [value for key, value in header.items() if key.startswith("SPECLN")]
    return DatasetInventory(
        dataset_id=str(dataset_id),
        observing_program_execution_id=str(header.get("OBSPR_ID", "")),
        wavelength_min=header.get("WAVEMIN"),
        wavelength_max=header.get("WAVEMAX"),
        spectral_lines=tuple(named_lines) if named_lines else None,
    )


def build_inversion_manifest(
    program_id: str,
    folders: Mapping[str, Path],
    scratch_dir: str | os.PathLike,
    lines: Sequence[SpectralLine] = DEFAULT_LINES,
    tolerance_nm: float = 0.05,
) -> dict[str, Any]:
    """Frames per dataset (``folders``: dataset id -> its folder in ``scratch_dir``) and per
    spectral line. A folder without frames, or whose frames name another dataset, is a ValueError."""
    scratch = Path(scratch_dir)
    datasets: dict[str, dict[str, Any]] = {}
    for dataset_id in sorted(folders):
        folder = Path(folders[dataset_id])
        frames = sorted(path for path in folder.rglob("*.fits"))
        steps = intensity_frames(folder) if folder.is_dir() else []
        if not frames or not steps:
            raise ValueError(f"dataset {dataset_id}: no L1 intensity frames in {folder}")
        dataset = _dataset_of(frame_header(steps[0]), steps[0])
        if dataset.dataset_id != dataset_id:
            raise ValueError(f"{steps[0].name} belongs to dataset {dataset.dataset_id}, not {dataset_id}")
        datasets[dataset_id] = {
            "lines": identify_lines(dataset, lines, tolerance_nm),
            "frames": [frame.relative_to(scratch).as_posix() for frame in frames],
            "frame_count": len(frames),
            "raster_steps": len(steps),
        }
    by_line: dict[str, dict[str, Any]] = {}
    for dataset_id, entry in datasets.items():
        for line in entry["lines"]:
            summary = by_line.setdefault(line, {"datasets": [], "frame_count": 0})
            summary["datasets"].append(dataset_id)
            summary["frame_count"] += entry["frame_count"]
    return {
        "version": MANIFEST_VERSION,
        "program_id": program_id,
        "datasets": datasets,
        "lines": {line: by_line[line] for line in sorted(by_line)},
    }


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
