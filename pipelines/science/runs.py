"""Runs as people type them: a LAT run is named by its start, in mission elapsed time (MET,
seconds), a whole number such as 545208791."""

from __future__ import annotations

import re

SEPARATORS = re.compile(r"[\s,]+")


def parse_run_list(text: str) -> list[int]:
    """The runs of ``text`` (separated by commas or spaces); ValueError naming every word that is
    not a run."""
    words = [word for word in SEPARATORS.split(text.strip()) if word]
    if not_runs := [word for word in words if not word.isdigit()]:
        raise ValueError(
            f"not runs: {', '.join(not_runs)}; name each run by its MET (its start in mission "
            "seconds), e.g. 545208791 546407418"
        )
    return [int(word) for word in words]
