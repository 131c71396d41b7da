"""A real Prometheus (Debian's) scrapes the portal with the example scrape config and alert rules of
docker/prometheus: the target is up with the bearer token, every metric the rules name is stored,
every rule evaluates, and an alert fires when the portal's figures say so."""

import json
import shutil
import subprocess
from datetime import timedelta
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

import pytest
import yaml
from django.utils import timezone

from l2portal.ledger.models import Execution
from tests.conftest import free_port, wait_for
from tests.portal.alert_rules import PROMETHEUS, metrics_named, rules

TOKEN = "scrape-token-of-the-prometheus-test"
DECODE = "pipelines.tasks.decode_chunk"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("prometheus") is None, reason="prometheus is not installed (Debian)"),
]


@pytest.fixture
def prometheus(live_server, settings, tmp_path):
    """Prometheus on a free port, configured as docker/prometheus/prometheus.yml says, aimed at the
    live server, scraping and evaluating every second."""
    settings.L2PORTAL_METRICS_TOKEN = TOKEN
    (tmp_path / "token").write_text(TOKEN)
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    job = config["scrape_configs"][0]
    job["static_configs"] = [{"targets": [urlsplit(live_server.url).netloc]}]
    job["authorization"]["credentials_file"] = str(tmp_path / "token")
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    address = f"127.0.0.1:{free_port()}"
    with (tmp_path / "prometheus.log").open("w") as log:
        process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address={address}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def api(path, **query):
        with urlopen(f"http://{address}/api/v1/{path}?{urlencode(query)}", timeout=5) as answer:
            return json.load(answer)["data"]

    try:
        wait_for(lambda: _answers(api), timeout=60)
        yield api
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(api) -> bool:
    try:
        return api("status/buildinfo") is not None
    except OSError:
        return False


def test_prometheus_scrapes_the_portal_and_evaluates_the_example_alerts(prometheus):
    api = prometheus
    # A worker last seen two hours ago, when it decoded a chunk.
    started = timezone.now() - timedelta(hours=2)
    Execution.objects.create(
        task_name=DECODE,
        worker="worker@decoder",
        status="succeeded",
        started_at=started,
        heartbeat_at=started,
        finished_at=started + timedelta(seconds=40),
    )
    target = wait_for(lambda: [t for t in api("targets")["activeTargets"] if t["health"] == "up"], timeout=60)
    assert target[0]["labels"]["job"] == "l2portal"

    def stored(name):
        return api("query", query=f'count({{__name__="{name}"}})')["result"]

    named = {name for rule in rules() for name in metrics_named(rule["expr"])}
    for name in sorted(named - {"django_http_responses_total_by_status_total"}):
        wait_for(lambda name=name: stored(name), timeout=30)
    # The scrapes themselves are answers: Django's request figures appear from the second one.
    wait_for(lambda: stored("django_http_responses_total_by_status_total"), timeout=30)

    def evaluated():
        found = [rule for group in api("rules")["groups"] for rule in group["rules"]]
        return found if all(rule["health"] == "ok" for rule in found) else None

    assert {rule["name"] for rule in wait_for(evaluated, timeout=30)} == {rule["alert"] for rule in rules()}

    def alert(name, state):
        return [
            a for a in api("alerts")["alerts"] if a["labels"]["alertname"] == name and a["state"] == state
        ]

    # No worker has run anything for two hours: the heartbeat alert waits out its `for`.
    wait_for(lambda: alert("L2portalNoWorkerHeartbeat", "pending"), timeout=30)
    # An execution lost between two scrapes fires at once.
    Execution.objects.create(task_name=DECODE, status="lost", finished_at=timezone.now())
    wait_for(lambda: api("query", query='l2portal_executions_total{status="lost"}')["result"], timeout=30)
    Execution.objects.create(task_name=DECODE, status="lost", finished_at=timezone.now())
    fired = wait_for(lambda: alert("L2portalExecutionsLost", "firing"), timeout=60)
    assert fired[0]["labels"]["task"] == DECODE
