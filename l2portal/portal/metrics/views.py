"""GET /metrics: the Prometheus text format, to the bearer token or an allowed network only."""

import os

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from .access import refusal
from .collector import PortalCollector


@never_cache
@login_not_required
@require_GET
def metrics(request):
    refused = refusal(request)
    if refused is not None:
        response = HttpResponse(refused.message + "\n", status=refused.status, content_type="text/plain")
        if refused.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    portal = CollectorRegistry()
    portal.register(PortalCollector())
    return HttpResponse(
        generate_latest(_process_figures()) + generate_latest(portal), content_type=CONTENT_TYPE_LATEST
    )


def _process_figures():
    """Django's request figures (django-prometheus): this process's, or under a web server of
    several processes (PROMETHEUS_MULTIPROC_DIR set) those of all of them, summed."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
