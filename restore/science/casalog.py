"""Why a pipeline run failed, read from its log: what CASA and executeppr print when they stop.

The errorexit file the pipeline writes is empty; the reason is in the log: executeppr's own
messages ("Unhandled error in executeppr while running pipeline task <name>", "Empty ASDM list", ...)
and the last exception of the last traceback (``KeyError: 'fixsyscaltimes'``, ``OSError: Input data
set '...' not found``, ``NameError: name '...' is not defined``).
"""

from __future__ import annotations

import re

EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?([A-Za-z_]\w*(?:Error|Exception|Exit)): (.*)$")
EXECUTEPPR_MESSAGES = (
    "Unhandled error in executeppr while running pipeline task",
    "Undefined relative data path",
    "Empty ASDM list",
    "Empty commands list",
)


def failure_reason(log_text: str, limit: int = 1000) -> str:
    """The pipeline's own words for why it stopped, or "" if the log says nothing of it."""
    lines = [line.strip() for line in log_text.splitlines()]
    said = [line for line in lines if line.startswith(EXECUTEPPR_MESSAGES)]
    exceptions = [
        f"{match.group(1)}: {match.group(2)}"
        for line in lines
        if (match := EXCEPTION_LINE.match(line)) and not match.group(2).startswith("Traceback")
    ]
    parts = list(dict.fromkeys([*said[-1:], *exceptions[-1:]]))
    return "; ".join(parts)[:limit]
