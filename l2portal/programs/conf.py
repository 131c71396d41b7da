"""Settings of the observing-programs app. Each is read when used (tests override them) from
django.conf.settings, else from the environment, else the default below.

METADATA_STORE_URL              GraphQL endpoint of the metadata store. Default: none, so the periodic
                                scan does nothing. For a local store with demo datasets run
                                ``python -m l2portal.programs.metadata_server --demo`` and set
                                METADATA_STORE_URL=http://127.0.0.1:8765/graphql.
METADATA_STORE_PAGE_SIZE        datasets per GraphQL page (default 1000).
PROGRAMS_SETTLE_DAYS            an OP is qualified once none of its datasets appeared or changed for
                                this many days (default 3).
PROGRAMS_SCRATCH                folder of the OPs' preprocessing scratch folders (default
                                DATA_ROOT/scratch/programs).
PROGRAMS_TRANSFER_BACKEND       "local" (default), "http" or "globus": how L1 frames are fetched.
PROGRAMS_L1_SOURCE              where the backend finds L1 frames: a folder (local), a base URL (http)
                                or a path on the Globus source endpoint. Default DATA_ROOT/l1-source.
                                Each dataset is a sub-folder ``<datasetId>/`` with its frames and a
                                ``SHA256SUMS`` listing (``<sha256>  <file name>`` per line).
PROGRAMS_GLOBUS_SOURCE_ENDPOINT, PROGRAMS_GLOBUS_DESTINATION_ENDPOINT, PROGRAMS_GLOBUS_DESTINATION_PATH
                                Globus endpoints; the destination path is where the scratch folder is
                                seen from the destination endpoint.
PROGRAMS_QUALIFICATION_RULES    qualification thresholds and lines as a dict or JSON text (keys of
                                qualify.QualificationRules; missing keys keep the defaults:
                                instrument VISP, stokes IQUV, min_health_good_fraction 0.75,
                                min_gos_open_fraction 1.0, min_ao_locked_fraction 0.75,
                                require_on_disk true, line_tolerance_nm 0.05, lines Fe I 630
                                (required), Ca II 854, Na I 589). The newest QualificationRuleSet row
                                in the database (admin) overrides them; operators then re-qualify.
PROGRAMS_L2_COLLECTION          RUN collection of published Level 2 products (default "L2").
PROGRAMS_L2_BUCKET              bucket named to the metadata store for Level 2 products (default "data").
PROGRAMS_SCAN_INTERVAL_MINUTES  how often beat starts l2portal.programs.tasks.scan_metadata_store
                                (default 60; read when the app loads).

Commands: ``manage.py scan_metadata --file F1.json [F2.json ...]`` (offline) or ``--url URL``
[``--proposal PID``]; ``manage.py list_programs [--json] [--state S] [--proposal P]``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from l2portal.appsettings import setting

from .preprocess import GlobusBackend, HttpBackend, LocalCopyBackend, TransferBackend
from .qualify import QualificationRules

SETTLE_DAYS_DEFAULT = 3
PAGE_SIZE_DEFAULT = 1000
TRANSFER_BACKENDS = ("local", "http", "globus")


def scan_interval() -> timedelta:
    return timedelta(minutes=float(setting("PROGRAMS_SCAN_INTERVAL_MINUTES", 60)))


def metadata_store_url() -> str | None:
    return setting("METADATA_STORE_URL") or None


def page_size() -> int:
    return int(setting("METADATA_STORE_PAGE_SIZE", PAGE_SIZE_DEFAULT))


def settle_period() -> timedelta:
    return timedelta(days=float(setting("PROGRAMS_SETTLE_DAYS", SETTLE_DAYS_DEFAULT)))


def scratch_root() -> Path:
    return Path(setting("PROGRAMS_SCRATCH") or Path(settings.DATA_ROOT) / "scratch" / "programs")


def l1_source() -> str:
    return str(setting("PROGRAMS_L1_SOURCE") or Path(settings.DATA_ROOT) / "l1-source")


def transfer_backend_name() -> str:
    name = str(setting("PROGRAMS_TRANSFER_BACKEND", "local")).lower()
    if name not in TRANSFER_BACKENDS:
        raise ValueError(f"PROGRAMS_TRANSFER_BACKEND={name!r}; choose one of {', '.join(TRANSFER_BACKENDS)}")
    return name


def transfer_backend() -> TransferBackend:
    name = transfer_backend_name()
    if name == "local":
        return LocalCopyBackend(l1_source())
    if name == "http":
        return HttpBackend(l1_source())
    return GlobusBackend(
        source_endpoint=setting("PROGRAMS_GLOBUS_SOURCE_ENDPOINT", ""),
        destination_endpoint=setting("PROGRAMS_GLOBUS_DESTINATION_ENDPOINT", ""),
        destination_root=scratch_root(),
        destination_path=setting("PROGRAMS_GLOBUS_DESTINATION_PATH", "/"),
    )


def default_qualification_rules() -> QualificationRules:
    configured = setting("PROGRAMS_QUALIFICATION_RULES")
    if isinstance(configured, str) and configured.strip():
        configured = json.loads(configured)
    return QualificationRules.from_dict(configured or {})


def l2_collection_name() -> str:
    return setting("PROGRAMS_L2_COLLECTION", "L2")


def l2_bucket() -> str:
    return setting("PROGRAMS_L2_BUCKET", "data")
