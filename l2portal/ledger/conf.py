"""Settings of the ledger (Django settings first, then the environment, then the default).

L2PORTAL_HEARTBEAT_SECONDS        how often a running task marks its Execution alive (default 30)
L2PORTAL_HEARTBEAT_LIMIT_SECONDS  silence after which a running Execution's worker is presumed dead,
                                  the Execution marked lost and its work sent again (default 300)
L2PORTAL_RESEND_AFTER_SECONDS     a sent task neither started nor in the broker after this long is
                                  sent again (default 120)
L2PORTAL_RELAY_SECONDS            how often worker and beat processes send work queued while the
                                  broker was down (default 10)
"""

from datetime import timedelta

from l2portal.appsettings import setting


def heartbeat_seconds() -> float:
    return float(setting("L2PORTAL_HEARTBEAT_SECONDS", 30))


def heartbeat_limit() -> timedelta:
    return timedelta(seconds=float(setting("L2PORTAL_HEARTBEAT_LIMIT_SECONDS", 300)))


def resend_after() -> timedelta:
    return timedelta(seconds=float(setting("L2PORTAL_RESEND_AFTER_SECONDS", 120)))


def relay_seconds() -> float:
    return float(setting("L2PORTAL_RELAY_SECONDS", 10))
