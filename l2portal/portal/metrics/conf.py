"""Who may read /metrics (Django settings first, then the environment).

L2PORTAL_METRICS_TOKEN     a bearer token Prometheus sends (``authorization: {credentials: ...}``
                           in its scrape config)
L2PORTAL_METRICS_NETWORKS  networks that may scrape without the token, comma-separated CIDRs
                           ("10.1.0.0/16"), matched against the connecting address; behind a
                           proxy that address is the proxy's, for every visitor: use the token
                           there and never list the proxy's own address

With neither set /metrics answers 403 saying so; with both, either one lets a scrape in.
PROMETHEUS_MULTIPROC_DIR (prometheus_client's own) is set for a web server of several processes
(gunicorn): Django's request figures are then summed over its workers (l2portal.gunicorn_conf).
"""

from l2portal.appsettings import setting


def token() -> str:
    return str(setting("L2PORTAL_METRICS_TOKEN", "") or "")


def networks() -> list[str]:
    listed = setting("L2PORTAL_METRICS_NETWORKS", "") or ""
    entries = listed.split(",") if isinstance(listed, str) else listed
    return [entry.strip() for entry in entries if entry.strip()]
