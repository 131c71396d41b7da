"""Who may read /metrics: a request with the bearer token, or one from an allowed network; nobody
while neither is configured. The answer to anyone else says what to do."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from dataclasses import dataclass

from . import conf

log = logging.getLogger(__name__)

HOW_TO_OPEN = (
    "set L2PORTAL_METRICS_TOKEN (Prometheus sends it as a bearer token) or L2PORTAL_METRICS_NETWORKS "
    "(the networks Prometheus scrapes from, as CIDRs)"
)


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def refusal(request) -> Refusal | None:
    """None if ``request`` may read the metrics, else the status and why."""
    token, listed = conf.token(), conf.networks()
    if not token and not listed:
        return Refusal(403, f"/metrics is closed until it is configured: {HOW_TO_OPEN}.")
    offered = _bearer(request)
    if token and offered is not None and hmac.compare_digest(offered.encode(), token.encode()):
        return None
    address = _address(request)
    if listed:
        try:
            networks = [ipaddress.ip_network(entry, strict=False) for entry in listed]
        except ValueError as error:
            log.warning("L2PORTAL_METRICS_NETWORKS: %s", error)
            return Refusal(
                403, f"L2PORTAL_METRICS_NETWORKS is wrong ({error}): list CIDRs such as 10.0.0.0/8."
            )
        if address is not None and any(address in network for network in networks):
            return None
    if offered is not None:
        return Refusal(403, "The bearer token is not the one set in L2PORTAL_METRICS_TOKEN.")
    outside = f"{address or 'this address'} is in none of L2PORTAL_METRICS_NETWORKS ({', '.join(listed)})"
    if token:
        elsewhere = f"; {outside}" if listed else ""
        return Refusal(401, f"Send the token: Authorization: Bearer <L2PORTAL_METRICS_TOKEN>{elsewhere}.")
    return Refusal(403, f"{outside}: scrape from one of them, or set L2PORTAL_METRICS_TOKEN.")


def _bearer(request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def _address(request):
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return None
    # An IPv4 client of a dual-stack socket arrives as ::ffff:a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address
