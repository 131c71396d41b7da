"""Level 1 of a merged run: the magic7 records of its span (plus and minus a margin, as HalfPipe's
launchL1 dumps them) gathered from the registered magic7 files, and the Level-1 file names."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .magic7 import Magic7Data, ParseReport

ATT_FIELDS = ("att_met", "att_quaternion", "att_rate")
ORB_FIELDS = ("orb_met", "orb_position", "orb_velocity", "orb_mode", "orb_in_saa")


def ft1_filename(processing: str, run_id: int, version: int) -> str:
    """gll_ev_p305_r0545208791_v001.fit: the run's Level-1 event file."""
    return f"gll_ev_{processing.lower()}_r{run_id:010d}_v{version:03d}.fit"


def _window(parts: Sequence[Magic7Data], fields: tuple[str, ...], start: float, stop: float) -> dict:
    columns = {name: np.concatenate([getattr(part, name) for part in parts]) for name in fields}
    met = columns[fields[0]]
    order = np.argsort(met, kind="stable")
    met = met[order]
    keep = (met >= start) & (met <= stop)
    keep[1:] &= met[1:] != met[:-1]  # the same record in two files: once
    return {name: values[order][keep] for name, values in columns.items()}


def magic7_window(parts: Sequence[Magic7Data], start: float, stop: float) -> Magic7Data | None:
    """The records of ``parts`` within [start, stop], in time order, each time once; None when
    there are none of either kind."""
    if not parts:
        return None
    att = _window(parts, ATT_FIELDS, start, stop)
    orb = _window(parts, ORB_FIELDS, start, stop)
    if not len(att["att_met"]) or not len(orb["orb_met"]):
        return None
    lines = sum(part.report.total_lines for part in parts)
    report = ParseReport(lines, len(att["att_met"]), len(orb["orb_met"]), ())
    return Magic7Data(**att, **orb, report=report)
