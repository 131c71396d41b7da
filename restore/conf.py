"""Settings of the restore app. Each is read when used (tests override them) from
django.conf.settings, else from the environment, else the default below.

RESTORE_ARCHIVE_URL      the ALMA archive database: "" (default) is the demo archive built from
                         restore/data/demo_archive.sql; ``sqlite:///path`` or
                         ``oracle://user:password@host:port/service`` (needs ``pip install oracledb``).
RESTORE_ROOT             where restores are laid out (default DATA_ROOT/restores). Request N works in
                         ``<RESTORE_ROOT>/request-N/<project>/SOUS_*/GOUS_*/MOUS_*/{products,rawdata,working}``
                         plus ``logs/``; that request folder is the pipeline's SCIPIPE_ROOTDIR. The PPR
                         is a registered product of the RUN collection "restores" (DATA_ROOT/restores):
                         with the default root it sits in working/ itself.
RESTORE_PRODUCT_STORE    where the product files come from: the base URL of an NGAS server
                         (``http://ngas.example.org:7777``; the portal sends it STATUS?file_id= and
                         RETRIEVE?file_id=, and keeps a file only if its CRC is NGAS's), or a folder of
                         files named by NGAS file id (sites that mount the NGAS volumes; the portal
                         computes their CRCs). Default: the demo folder restore/data/demo_products;
                         ``python -m restore.standins.ngas_server`` serves it as NGAS does. A request
                         stages from the store configured when it was made.
RESTORE_EXPORT_COMMAND   exports one raw ASDM: the EB uid and the destination folder are appended, or
                         substituted for ``{uid}`` / ``{dest}`` (``asdmExportLight -d {dest} {uid}``).
                         Default ``python -m restore.standins.export`` (with this interpreter).
RESTORE_PIPELINE_COMMAND runs the pipeline on a PPR (the PPR route): the PPR path is appended or
                         substituted for ``{ppr}``. Default ``python -m restore.standins.casa``; a real
                         site sets e.g. ``casa --nogui --pipeline -c runpipeline.py``.
RESTORE_SCRIPT_COMMAND   runs a restore script (the restore-script route, when the delivered restore
                         script calls more than pipeline tasks): the script path is appended or
                         substituted for ``{script}``; it runs in working/. Default
                         ``python -m restore.standins.casa --pipeline -c``; a real site sets
                         ``casa --nogui --pipeline -c {script}``.
RESTORE_SCRIPT_DIR       SCIPIPE_SCRIPTDIR for the pipeline (default: the MOUS products/ folder, where the
                         delivered scripts are staged).
RESTORE_TIME_LIMIT       seconds a pipeline run may take before it is stopped (default: the task time
                         limit, L2PORTAL_TASK_TIME_LIMIT, less 10 minutes, so the run task ends before
                         Redis would redeliver it; raise both together).
RESTORE_MAX_CONCURRENT   how many restores may be running at once (default 2). A prepared request over
                         the cap waits in Prepared: its run task is re-enqueued with a countdown of
                         RESTORE_WAIT_SECONDS (default 60), and a restore that stops running starts the
                         oldest waiting one at once. The count is taken under a lock (PostgreSQL advisory
                         lock; SQLite has a single writer), so two workers cannot both take the last slot.
RESTORE_STAGING_THREADS  files fetched in parallel while staging (default 4).
RESTORE_SITE_URL         base URL of the portal in the e-mail sent when a restore ends (default
                         http://localhost:8000). E-mail itself uses Django's EMAIL_* settings.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from django.conf import settings

from l2portal.appsettings import setting
from restore.science import archive

# The RUN collection of restore products (PPRs); its folder is the default RESTORE_ROOT.
COLLECTION = "restores"


def _python_module(module: str) -> str:
    return f"{shlex.quote(sys.executable)} -m {module}"


def archive_url() -> str:
    return setting("RESTORE_ARCHIVE_URL", "") or ""


def restore_root() -> Path:
    return Path(setting("RESTORE_ROOT", "") or Path(settings.DATA_ROOT) / COLLECTION)


def product_store() -> str:
    return str(setting("RESTORE_PRODUCT_STORE", "") or archive.DEMO_PRODUCTS_DIR)


def export_command() -> str:
    return setting("RESTORE_EXPORT_COMMAND", "") or _python_module("restore.standins.export")


def pipeline_command() -> str:
    return setting("RESTORE_PIPELINE_COMMAND", "") or _python_module("restore.standins.casa")


def script_command() -> str:
    return setting("RESTORE_SCRIPT_COMMAND", "") or f"{_python_module('restore.standins.casa')} --pipeline -c"


def script_dir() -> str:
    return setting("RESTORE_SCRIPT_DIR", "") or ""


def time_limit() -> float:
    # Below the global task limit: Redis redelivers a task running longer than its visibility
    # timeout, which settings keep above that limit.
    return float(setting("RESTORE_TIME_LIMIT", settings.CELERY_TASK_TIME_LIMIT - 600))


def max_concurrent() -> int:
    return int(setting("RESTORE_MAX_CONCURRENT", 2))


def wait_seconds() -> float:
    return float(setting("RESTORE_WAIT_SECONDS", 60))


def staging_threads() -> int:
    return max(1, int(setting("RESTORE_STAGING_THREADS", 4)))


def site_url() -> str:
    return str(setting("RESTORE_SITE_URL", "http://localhost:8000")).rstrip("/")
