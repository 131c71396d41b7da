"""Synthetic inputs for demos, tests and benchmarks: a magic7 file (pipelines.science.orbitgen) covering
[run, run + seconds) of each run and a livetime table over the span of the run's magic7 input,
registered as real ones are."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from l2portal.ledger.services import Actor

from ...halfpipe.models import DataRun, Magic7Input
from ...halfpipe.services.magic7 import latest_magic7, register_magic7
from ...science import orbitgen
from ..selectors.ft2_inputs import LIVETIME_TYPE
from .ft2_inputs import register_input


def generate_demo_magic7(
    run_ids,
    seconds: float,
    actor: Actor,
    seed: int = 0,
    livetime: bool = True,
    velocity_bias: Mapping[int, float] | None = None,
) -> list[Magic7Input]:
    """Register synthetic magic7 files (and, with ``livetime``, livetime tables) for the runs; a
    run in ``velocity_bias`` gets ORB velocities off by that many m/s (orbitgen.magic7_lines)."""
    registered = []
    with tempfile.TemporaryDirectory() as folder:
        for run_id in run_ids:
            path = Path(folder) / f"r{run_id}.magic7"
            bias = (velocity_bias or {}).get(run_id, 0.0)
            orbitgen.write_magic7(
                path, run_id, run_id + seconds, seed=seed + run_id % 1000, velocity_bias=bias
            )
            registered.append(register_magic7(run_id, path, float(run_id), float(run_id + seconds), actor))
    if livetime:
        generate_demo_livetime(run_ids, actor)
    return registered


def generate_demo_livetime(run_ids, actor: Actor) -> None:
    """Register a synthetic livetime table over the span of each run's latest magic7 input."""
    with tempfile.TemporaryDirectory() as folder:
        for run in DataRun.objects.filter(run_id__in=list(run_ids)):
            magic7 = latest_magic7(run)
            table = Path(folder) / f"livetime_r{run.run_id:010d}.csv"
            orbitgen.write_livetime_table(table, magic7.met_start, magic7.met_stop)
            register_input(LIVETIME_TYPE, run.run_id, table, actor)
