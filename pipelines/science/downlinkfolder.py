"""Whether a downlink folder has arrived whole: its RetDef files and every chunk each names.

HalfPipe's stream was submitted seconds after a downlink's RetDef files appeared (the s3df migration
notes); here a folder counts as complete once every RetDef reads, the RetDefs are numbered 1..N and
every chunk file they name is present. Whether its sizes have stopped changing is the caller's (it
compares listings between scans); what ingest refuses of a complete folder (RetDefs of several
downlinks, a RetDef describing another chunk than its name) it refuses then.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipelines.science.retdef import NAME, RetDefError, parse_retdef


def missing_parts(sizes: Mapping[str, int], retdefs: Mapping[str, bytes]) -> str:
    """Why the folder is not whole yet ("" once it is). ``sizes``: every file name -> size;
    ``retdefs``: the content of its ``RetDef-*.xml`` files."""
    if not retdefs:
        return "no RetDef-*.xml file yet"
    reasons, numbers = [], []
    for name, content in sorted(retdefs.items()):
        match = NAME.match(name)
        if match:
            numbers.append(int(match.group(2)))
        try:
            retdef = parse_retdef(content, name)
        except RetDefError as error:
            reasons.append(f"a RetDef does not read yet: {error}")
            continue
        if sizes.get(retdef.chunk_file) is None:
            reasons.append(f"{name} names {retdef.chunk_file}, not arrived")
        elif sizes[retdef.chunk_file] == 0:
            reasons.append(f"{retdef.chunk_file} is empty")
    gaps = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
    if gaps:
        reasons.append(f"no RetDef yet for chunk {', '.join(map(str, gaps))}")
    return "; ".join(reasons)
