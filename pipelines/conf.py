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
"""

from __future__ import annotations

import re

from l2portal.appsettings import setting

from .ft2 import DEFAULT_DATA_QUAL, DEFAULT_LAT_CONFIG
from .ft2qa import DEFAULT_VELOCITY_TOLERANCE


def magic7_collection() -> str:
    return str(setting("PIPELINES_MAGIC7_COLLECTION", "RAW"))


def fitsverify_command() -> str:
    return str(setting("PIPELINES_FITSVERIFY", "fitsverify"))


def data_qual() -> int:
    return int(setting("PIPELINES_DATA_QUAL", DEFAULT_DATA_QUAL))


def lat_config() -> int:
    return int(setting("PIPELINES_LAT_CONFIG", DEFAULT_LAT_CONFIG))


def velocity_tolerance() -> float:
    return float(setting("PIPELINES_VELOCITY_TOLERANCE", DEFAULT_VELOCITY_TOLERANCE))


def proc_ver(campaign_name: str) -> int:
    """P310 -> 310; a name without digits takes PIPELINES_PROC_VER."""
    match = re.fullmatch(r"[Pp](\d+)", campaign_name)
    return int(match.group(1)) if match else int(setting("PIPELINES_PROC_VER", 310))
