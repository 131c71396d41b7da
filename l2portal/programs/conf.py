"""Settings of the observing-programs app. Each is read when used (tests override them) from
django.conf.settings, else from the environment, else the default below.

METADATA_STORE_URL              GraphQL endpoint of the metadata store. Default: none: the periodic
                                scan only qualifies settled programs, "Scan now" and publishing say
                                what to set. For a local store with demo datasets run
                                ``python -m l2portal.programs.standins.metadata_server --demo`` and set
                                METADATA_STORE_URL=http://127.0.0.1:8765/graphql.
METADATA_STORE_PAGE_SIZE        datasets per GraphQL page (default 1000).
PROGRAMS_SETTLE_DAYS            an OP is qualified once none of its datasets appeared or changed for
                                this many days (default 3).
PROGRAMS_SCRATCH                folder of the OPs' scratch folders, inside DATA_ROOT (default
                                DATA_ROOT/scratch/programs): L1 frames, results arriving by Globus.

Transfers (transfer.py, globus.py). PROGRAMS_TRANSFER_BACKEND is "local" (default), "http" or
"globus". Files are verified on arrival (SHA-256, or Globus's own checksums); nothing else needed.

PROGRAMS_L1_SOURCE              where L1 datasets are, laid out as the data center's L1 collection:
                                ``<bucket>/<proposalId>/<datasetId>/`` frames. A folder (local,
                                default DATA_ROOT/l1-source), a base URL with index pages (http) or
                                a path on the L1 collection (globus, default "/").
PROGRAMS_PUBLISH_ROOT           (local) the folder standing for the object store: Level 2 products
                                go to ``<bucket>/<proposalId>/<inversionId>/`` in it (default
                                DATA_ROOT/object-store). The http backend cannot publish.
PROGRAMS_L2_COLLECTION          RUN collection of published Level 2 products (default "L2").
PROGRAMS_L2_BUCKET              bucket for Level 2 products when the inverted datasets name none
                                (default "data"); otherwise their bucket, as the data center does.
PROGRAMS_FORM_UPLOAD_MAX_BYTES  largest inversion result file the web form takes, compressed or
                                unpacked (default 512 MB); larger results come by Globus.

Globus (PROGRAMS_TRANSFER_BACKEND=globus):
PROGRAMS_GLOBUS_CLIENT_ID, PROGRAMS_GLOBUS_CLIENT_SECRET   a confidential client (its credentials
                                are used unless a refresh token is set)
PROGRAMS_GLOBUS_REFRESH_TOKEN   a refresh token for the Transfer API (with the client above, or a
                                native app's client id alone)
PROGRAMS_GLOBUS_L1_ENDPOINT     the data center's L1 collection id
PROGRAMS_GLOBUS_PORTAL_ENDPOINT, PROGRAMS_GLOBUS_PORTAL_PATH   this site's collection and the path on
                                it where DATA_ROOT is (default "/")
PROGRAMS_GLOBUS_PUBLISH_ENDPOINT, PROGRAMS_GLOBUS_PUBLISH_PATH   the object store's collection and
                                the path of its bucket folders (default "/")
PROGRAMS_GLOBUS_SYNC_LEVEL      exists, size, mtime or checksum (default)
PROGRAMS_GLOBUS_POLL_SECONDS    between task status checks (default 10)
PROGRAMS_GLOBUS_WAIT_SECONDS    how long one task run waits for a Globus task before checking again
                                from a new run (default 18000)
PROGRAMS_GLOBUS_TRANSFER_URL, PROGRAMS_GLOBUS_AUTH_URL   the services' base URLs (default Globus's)

PROGRAMS_QUALIFICATION_RULES    qualification thresholds and lines as a dict or JSON text (keys of
                                qualify.QualificationRules; missing keys keep the defaults:
                                instrument VISP, stokes IQUV, min_health_good_fraction 0.75,
                                min_gos_open_fraction 1.0, min_ao_locked_fraction 0.75,
                                require_on_disk true, line_tolerance_nm 0.05, lines Fe I 630
                                (required), Ca II 854, Na I 589). The newest QualificationRuleSet row
                                in the database (admin) overrides them; operators then re-qualify.
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

from .science.globus import GlobusBackend, GlobusSettings
from .science.qualify import QualificationRules
from .science.transfer import Endpoint, HttpBackend, LocalCopyBackend, TransferBackend, TransferError

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


def data_root() -> Path:
    return Path(settings.DATA_ROOT)


def scratch_root() -> Path:
    return Path(setting("PROGRAMS_SCRATCH") or data_root() / "scratch" / "programs")


def in_data_root(path: Path) -> str:
    """``path`` relative to DATA_ROOT: how transfers name it on this site's endpoint."""
    try:
        return Path(path).resolve().relative_to(data_root().resolve()).as_posix()
    except ValueError:
        raise TransferError(
            f"{path} is not inside DATA_ROOT {data_root()}; put PROGRAMS_SCRATCH inside it"
        ) from None


def transfer_backend_name() -> str:
    name = str(setting("PROGRAMS_TRANSFER_BACKEND", "local")).lower()
    if name not in TRANSFER_BACKENDS:
        raise TransferError(
            f"PROGRAMS_TRANSFER_BACKEND={name!r}; choose one of {', '.join(TRANSFER_BACKENDS)}"
        )
    return name


def uses_globus() -> bool:
    return transfer_backend_name() == "globus"


def globus_settings() -> GlobusSettings:
    return GlobusSettings(
        transfer_url=setting("PROGRAMS_GLOBUS_TRANSFER_URL") or None,
        auth_url=setting("PROGRAMS_GLOBUS_AUTH_URL") or None,
        client_id=setting("PROGRAMS_GLOBUS_CLIENT_ID", ""),
        client_secret=setting("PROGRAMS_GLOBUS_CLIENT_SECRET", ""),
        refresh_token=setting("PROGRAMS_GLOBUS_REFRESH_TOKEN", ""),
        sync_level=setting("PROGRAMS_GLOBUS_SYNC_LEVEL", "checksum"),
        poll_seconds=float(setting("PROGRAMS_GLOBUS_POLL_SECONDS", 10)),
        wait_seconds=float(setting("PROGRAMS_GLOBUS_WAIT_SECONDS", 5 * 3600)),
    )


def transfer_backend() -> TransferBackend:
    name = transfer_backend_name()
    if name == "local":
        return LocalCopyBackend()
    if name == "http":
        return HttpBackend()
    return GlobusBackend(globus_settings())


def _globus_endpoint(name: str) -> str:
    collection = setting(f"PROGRAMS_GLOBUS_{name}_ENDPOINT", "")
    if not collection:
        raise TransferError(f"set PROGRAMS_GLOBUS_{name}_ENDPOINT to the Globus collection id")
    return collection


def l1_endpoint() -> Endpoint:
    if uses_globus():
        return Endpoint(_globus_endpoint("L1"), setting("PROGRAMS_L1_SOURCE") or "/")
    return Endpoint(None, str(setting("PROGRAMS_L1_SOURCE") or data_root() / "l1-source"))


def portal_endpoint() -> Endpoint:
    """DATA_ROOT, where scratch and the products are."""
    if uses_globus():
        return Endpoint(
            _globus_endpoint("PORTAL"), setting("PROGRAMS_GLOBUS_PORTAL_PATH") or "/", local=data_root()
        )
    return Endpoint(None, str(data_root()), local=data_root())


def publish_endpoint() -> Endpoint:
    name = transfer_backend_name()
    if name == "http":
        raise TransferError(
            "the http transfer backend only fetches; publish with PROGRAMS_TRANSFER_BACKEND local or globus"
        )
    if name == "globus":
        return Endpoint(_globus_endpoint("PUBLISH"), setting("PROGRAMS_GLOBUS_PUBLISH_PATH") or "/")
    return Endpoint(None, str(setting("PROGRAMS_PUBLISH_ROOT") or data_root() / "object-store"))


def form_upload_max_bytes() -> int:
    return int(setting("PROGRAMS_FORM_UPLOAD_MAX_BYTES", 512 * 1000 * 1000))


def default_qualification_rules() -> QualificationRules:
    configured = setting("PROGRAMS_QUALIFICATION_RULES")
    if isinstance(configured, str) and configured.strip():
        configured = json.loads(configured)
    return QualificationRules.from_dict(configured or {})


def l2_collection_name() -> str:
    return setting("PROGRAMS_L2_COLLECTION", "L2")


def l2_bucket() -> str:
    return setting("PROGRAMS_L2_BUCKET", "data")
