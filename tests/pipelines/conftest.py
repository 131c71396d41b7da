"""Builders for the pipelines tests: data runs with short synthetic magic7 inputs, campaigns over
them, and API clients acting as the shared role users."""

import datetime
import http.server
import json
import threading
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from l2portal.ledger import services as ledger
from pipelines import services
from pipelines.models import CampaignRun, DataRun, FsscDelivery, ReprocessingCampaign
from tests.factories import SYSTEM

RUNS = (545208791, 545294791, 545380791)
SPAN = 120.0  # seconds of magic7 per run: enough for four 30-s bins, fast to process


@pytest.fixture
def magic7_runs(db):
    """Three data runs, each with a registered magic7 file covering SPAN seconds."""
    services.generate_demo_magic7(RUNS, SPAN, SYSTEM)
    return RUNS


def make_campaign(name="P310", runs=RUNS, **options):
    return services.create_campaign(name, SYSTEM, run_ids=list(runs), **options)


def run_campaign(campaign, capture):
    """Start a campaign and run its tasks eagerly, as the on-commit callbacks fire."""
    with capture(execute=True):
        result = services.start_campaign(campaign, SYSTEM)
    campaign.refresh_from_db()
    return result


def campaign_with_states(name, states):
    """A campaign whose runs sit in the given states, started an hour ago."""
    runs = [DataRun.objects.get_or_create(run_id=1000 + n)[0] for n in range(len(states))]
    campaign = services.create_campaign(name, SYSTEM, run_ids=[r.run_id for r in runs])
    ledger.transition(campaign, "running", SYSTEM)
    start = timezone.now() - datetime.timedelta(hours=1)
    ReprocessingCampaign.objects.filter(pk=campaign.pk).update(started_at=start, current_pass=1)
    path = {"generating": ["generating"], "ready": ["generating", "flagging", "validating", "ready"]}
    for run, state in zip(campaign.campaign_runs.order_by("data_run__run_id"), states, strict=True):
        for step in path.get(state, []):
            ledger.transition(run, step, SYSTEM)
        if state == "error":
            ledger.fail(run, SYSTEM, "magic7 unusable")
        CampaignRun.objects.filter(pk=run.pk).update(started_at=start, finished_at=timezone.now())
    campaign.refresh_from_db()
    return campaign


L1_SWITCH = {"l1_software": "GlastRelease 20-10-04", "l1_from": "2026-12-01T00:00:00Z"}


def ingest_at_the_fssc(campaign, actor=SYSTEM):
    """The FSSC transfers and ingests every file the campaign offered, with its sha256."""
    for delivery in FsscDelivery.objects.filter(campaign_run__campaign=campaign).select_related("product"):
        for stage in ("transfer", "ingest"):
            services.report_delivery(delivery, actor, stage, "ok", delivery.product.sha256)


def api_client(user=None) -> APIClient:
    """An API client acting as ``user`` (anonymous if None): with its token if it has one (the
    FSSC's account, as in production), else with a session."""
    client = APIClient()
    if user is None:
        return client
    token = Token.objects.filter(user=user).first()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    else:
        client.force_login(user)
    return client


@pytest.fixture
def client_as(request, db):
    """``client_as("operator")``: an API client acting as that role user of tests/conftest.py
    (``scientist``, ``operator``, ``fssc``), or ``"anonymous"``."""

    def client(role: str) -> APIClient:
        return api_client(None if role == "anonymous" else request.getfixturevalue(role))

    return client


@pytest.fixture
def fssc_client(fssc) -> APIClient:
    """The FSSC's API client, with its token."""
    return api_client(fssc)


class _OnlineMonitoring(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body))
        self.send_response(202)
        self.end_headers()
        self.wfile.write(b"queued for online monitoring")

    def log_message(self, *args):
        pass


@pytest.fixture
def online_server():
    """A local HTTP server standing in for online monitoring: ``url`` to configure as
    PIPELINES_ONLINE_HOOK, ``received`` the JSON messages posted to it."""
    received = []
    handler = type("Recorder", (_OnlineMonitoring,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}/runs", received=received)
    server.shutdown()
