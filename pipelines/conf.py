"""Settings of the pipelines app. Each is read when used (tests override them) from
django.conf.settings, else from the environment, else the default below.

PIPELINES_MAGIC7_COLLECTION  RUN collection holding the registered magic7 inputs (default "RAW"; files
                             go to ``RAW/magic7/``).
PIPELINES_FITSVERIFY         fitsverify command run on every campaign output (default "fitsverify");
                             when it is not installed the check is recorded as "not available".
PIPELINES_DATA_QUAL          DATA_QUAL written before Bad Time Intervals are applied (default 2,
                             "waiting review").
PIPELINES_LAT_CONFIG         LAT_CONFIG written in every bin (default 1, nominal science).
PIPELINES_PROC_VER           PROC_VER for a campaign whose name does not carry one (P310 -> 310;
                             default 310).
PIPELINES_VELOCITY_TOLERANCE largest allowed velocity-check deviation, m/s (default 5).
PIPELINES_FT2_DEFINITIONS    definition set a new campaign and a data run's Level 1 compute FT2
                             columns with (default "fermi-2019"; ``manage.py make_ft2 --definitions
                             list`` names them).
PIPELINES_FT2_CHAIN          CHAINED collection through which a run's current (previous) FT2 files
                             are found (default "FT2/current"); register_ft2_inputs adds the
                             production collections it registers to it, a completed switchover
                             puts its campaign first.
PIPELINES_LIVETIME_SOURCE    LIVETIME source of a new campaign's generated files when the request
                             names none, and of every Level-1 FT2: "previous-ft2", "table",
                             "command" or "none" (default: "command" when PIPELINES_LIVETIME_COMMAND
                             is set, else "table"). A run whose source has nothing for it (or
                             "none") is held in Level 1 as no_livetime_source.
PIPELINES_LIVETIME_COMMAND   command writing a run's livetime table: ``{output}`` (required),
                             ``{run}``, ``{start}``, ``{stop}`` are replaced (pipelines.science.livetime).
PIPELINES_FT2_MIN_COVERAGE   share of its run's span (outside declared gaps) an FT2 file's rows must
                             cover to pass validation (default 0.995), whatever the comparison says.
PIPELINES_FT2_KNOWN_GAPS     telemetry gaps known and accepted, left out of every coverage: MET
                             pairs, ``[[start, stop], ...]`` in settings or ``start-stop,start-stop``
                             in the environment (default none).

Downlink processing (HalfPipe). Every folder is a setting, checked by `manage.py check --deploy`:
PIPELINES_INCOMING_ROOT      where downlink folders arrive (read only; default DATA_ROOT/incoming).
                             A downlink is ``<root>/<downlink %09d>/`` with its chunks and RetDefs.
PIPELINES_INCOMING_SCAN_SECONDS   how often the incoming root is scanned for downlink folders
                             (default 10).
PIPELINES_INCOMING_SETTLE_SECONDS how long a complete folder's files and sizes must stay unchanged
                             before it is registered (default 30): RetDefs and chunks may still be
                             being written.
PIPELINES_STAGING_ROOT       decoded chunk event files, purged once their run has its Level 1
                             (default DATA_ROOT/halfpipe-stage). A folder directly under DATA_ROOT:
                             products are registered relative to it, the folder is their collection.
PIPELINES_OUTPUT_ROOT        merged run versions and Level-1 files (default DATA_ROOT/P305). Its
                             name is the processing name written in every header and file name.
PIPELINES_DECODER_COMMAND    decodes one chunk: ``{chunk}``, ``{retdef}`` and ``{outdir}`` are
                             replaced by the chunk file, its RetDef and an empty folder for the
                             FT1 event files it must write (pipelines.science.chunkevents). Empty (default):
                             the built-in decoder of the portal's raw format (pipelines.science.rawchunk).
PIPELINES_DECODER_TIMEOUT    seconds a decoder command may run (default 3600).
PIPELINES_MAGIC7_MARGIN      seconds of magic7 around a run for its FT2 files (default 6000).
PIPELINES_ONLINE_HOOK        told when a run's Level 1 is done, its three files written: "" (nobody),
                             ``task:<name>`` (a Celery task, called with run_id, version and the
                             file paths) or an http(s) URL (a JSON POST); the answer is recorded as
                             an event.
PIPELINES_MERGE_BUFFER_ROWS  event rows a merge holds in memory at once (default 1048576).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from l2portal.appsettings import setting

from .science.ft2 import DEFAULT_DATA_QUAL, DEFAULT_DEFINITIONS, DEFAULT_LAT_CONFIG
from .science.ft2coverage import DEFAULT_MINIMUM_SHARE
from .science.ft2qa import DEFAULT_VELOCITY_TOLERANCE


def magic7_collection() -> str:
    return str(setting("PIPELINES_MAGIC7_COLLECTION", "RAW"))


def fitsverify_command() -> str:
    return str(setting("PIPELINES_FITSVERIFY", "fitsverify"))


def data_qual() -> int:
    return int(setting("PIPELINES_DATA_QUAL", DEFAULT_DATA_QUAL))


def lat_config() -> int:
    return int(setting("PIPELINES_LAT_CONFIG", DEFAULT_LAT_CONFIG))


def ft2_definitions() -> str:
    return str(setting("PIPELINES_FT2_DEFINITIONS", DEFAULT_DEFINITIONS))


def ft2_chain() -> str:
    return str(setting("PIPELINES_FT2_CHAIN", "FT2/current"))


def livetime_command() -> str:
    return str(setting("PIPELINES_LIVETIME_COMMAND", "") or "")


def livetime_source() -> str:
    return str(setting("PIPELINES_LIVETIME_SOURCE", "") or ("command" if livetime_command() else "table"))


def velocity_tolerance() -> float:
    return float(setting("PIPELINES_VELOCITY_TOLERANCE", DEFAULT_VELOCITY_TOLERANCE))


def ft2_min_coverage() -> float:
    return float(setting("PIPELINES_FT2_MIN_COVERAGE", DEFAULT_MINIMUM_SHARE))


def ft2_known_gaps() -> list[tuple[float, float]]:
    gaps = setting("PIPELINES_FT2_KNOWN_GAPS", "") or []
    if isinstance(gaps, str):
        gaps = [pair.split("-") for pair in gaps.replace(" ", "").split(",") if pair]
    return [(float(start), float(stop)) for start, stop in gaps]


def proc_ver(campaign_name: str) -> int:
    """P310 -> 310; a name without digits takes PIPELINES_PROC_VER."""
    match = re.fullmatch(r"[Pp](\d+)", campaign_name)
    return int(match.group(1)) if match else int(setting("PIPELINES_PROC_VER", 310))


def incoming_root() -> Path:
    return Path(setting("PIPELINES_INCOMING_ROOT", "") or Path(settings.DATA_ROOT) / "incoming")


def incoming_scan_interval() -> timedelta:
    return timedelta(seconds=float(setting("PIPELINES_INCOMING_SCAN_SECONDS", 10)))


def incoming_settle() -> timedelta:
    return timedelta(seconds=float(setting("PIPELINES_INCOMING_SETTLE_SECONDS", 30)))


def staging_root() -> Path:
    return Path(setting("PIPELINES_STAGING_ROOT", "") or Path(settings.DATA_ROOT) / "halfpipe-stage")


def output_root() -> Path:
    return Path(setting("PIPELINES_OUTPUT_ROOT", "") or Path(settings.DATA_ROOT) / "P305")


def decoder_command() -> str:
    return str(setting("PIPELINES_DECODER_COMMAND", "") or "")


def decoder_timeout() -> float:
    return float(setting("PIPELINES_DECODER_TIMEOUT", 3600))


def magic7_margin() -> float:
    return float(setting("PIPELINES_MAGIC7_MARGIN", 6000))


def online_hook() -> str:
    return str(setting("PIPELINES_ONLINE_HOOK", "") or "")


def merge_buffer_rows() -> int:
    return int(setting("PIPELINES_MERGE_BUFFER_ROWS", 1 << 20))
