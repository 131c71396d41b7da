"""Settings of the ledger (Django settings first, then the environment, then the default).

L2PORTAL_HEARTBEAT_SECONDS        how often a running task marks its Execution alive (default 30)
L2PORTAL_HEARTBEAT_LIMIT_SECONDS  silence after which a running Execution's worker is presumed dead,
                                  the Execution marked lost and its work sent again (default 300)
L2PORTAL_RESEND_AFTER_SECONDS     a sent task neither started nor in the broker after this long is
                                  sent again (default 120)
L2PORTAL_RELAY_SECONDS            how often worker and beat processes send work queued while the
                                  broker was down (default 10)
L2PORTAL_SITE_ID                  this site's id, recorded on every collection, product, execution,
                                  tag change and event it creates, so two sites' registries merge
                                  without renumbering (lower-case letters, digits and '-'; default
                                  "local": give every real site its own)
L2PORTAL_HOST_NAME                this machine's name on the Executions, collections and restores it
                                  runs (default the host name; set it where containers or test
                                  workers share one)
"""

import re
import socket
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from l2portal.appsettings import setting

SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


def heartbeat_seconds() -> float:
    return float(setting("L2PORTAL_HEARTBEAT_SECONDS", 30))


def heartbeat_limit() -> timedelta:
    return timedelta(seconds=float(setting("L2PORTAL_HEARTBEAT_LIMIT_SECONDS", 300)))


def resend_after() -> timedelta:
    return timedelta(seconds=float(setting("L2PORTAL_RESEND_AFTER_SECONDS", 120)))


def relay_seconds() -> float:
    return float(setting("L2PORTAL_RELAY_SECONDS", 10))


def site_id() -> str:
    site = str(setting("L2PORTAL_SITE_ID", "local"))
    if not SITE_ID.fullmatch(site):
        raise ImproperlyConfigured(
            f"L2PORTAL_SITE_ID {site!r} is not a site id: use 1-32 lower-case letters, digits or '-'"
        )
    return site


def host_name() -> str:
    return str(setting("L2PORTAL_HOST_NAME", "") or socket.gethostname())


def data_root() -> Path:
    """Where every product and partial file lives (settings.DATA_ROOT); rows store paths under it."""
    return Path(settings.DATA_ROOT)
