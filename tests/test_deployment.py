"""A deployment that comes back by itself: every long-running service of the compose file restarts
unless stopped and says when it is unhealthy; the systemd units for hosts without compose restart
always; the image runs as a user of its own; the example Prometheus files are what promtool accepts.
(No Docker engine runs here: the files are read, as compose and systemd read them.)"""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DOCKER = Path(__file__).resolve().parent.parent / "docker"
LONG_RUNNING = ("web", "worker", "beat", "postgres", "redis")


def test_every_long_running_service_restarts_and_has_a_healthcheck():
    services = yaml.safe_load((DOCKER / "compose.yaml").read_text())["services"]
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["restart"] == "no"  # runs once, before the others start


def test_the_systemd_units_restart_always_and_start_what_compose_starts():
    units = {path.name: path for path in (DOCKER / "systemd").glob("*.service")}
    assert set(units) == {"l2portal-web.service", "l2portal-worker@.service", "l2portal-beat.service"}
    for name, path in units.items():
        unit = configparser.ConfigParser(interpolation=None, strict=False)
        unit.read(path)
        assert unit["Service"]["Restart"] == "always", name
        assert unit["Install"]["WantedBy"] == "multi-user.target", name
    worker = units["l2portal-worker@.service"].read_text()
    assert "manage.py queues" in worker and "celery -A l2portal worker" in worker


def test_the_image_runs_as_a_user_with_a_fixed_uid_that_owns_the_data():
    lines = [line.strip() for line in (DOCKER / "Dockerfile").read_text().splitlines()]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] == "1000:1000"  # numeric: an orchestrator can tell it is not root
    build = " ".join(lines)
    assert "groupadd --system --gid 1000 l2portal" in build
    assert "useradd --system --uid 1000 --gid 1000" in build
    assert "chown -R 1000:1000 /data /var/lib/l2portal" in build
    # Nothing runs as root after the switch: the last USER comes before CMD.
    assert lines.index(f"USER {users[-1]}") < next(
        i for i, line in enumerate(lines) if line.startswith("CMD")
    )
    environment = yaml.safe_load((DOCKER / "compose.yaml").read_text())["x-app"]["environment"]
    assert environment["L2PORTAL_DATA_ROOT"] == "/data"
    for name, service in yaml.safe_load((DOCKER / "compose.yaml").read_text())["services"].items():
        assert service.get("user") in (None, "1000:1000"), name  # no service overrides it with root


def test_the_web_server_sums_request_figures_over_its_processes():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "ENV PROMETHEUS_MULTIPROC_DIR=/var/lib/l2portal/prometheus" in dockerfile
    assert '"-c", "python:l2portal.gunicorn_conf"' in dockerfile
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read(DOCKER / "systemd" / "l2portal-web.service")
    assert "-c python:l2portal.gunicorn_conf" in unit["Service"]["ExecStart"]
    assert unit["Service"]["Environment"].startswith("PROMETHEUS_MULTIPROC_DIR=")


def test_the_monitoring_profile_scrapes_the_web_service_with_the_example_alerts():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    prometheus = compose["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    mounted = {volume.split(":")[0] for volume in prometheus["volumes"]}
    assert {"./prometheus/prometheus.yml", "./prometheus/alerts.yml"} <= mounted
    for path in mounted - {"prometheus"}:
        assert (DOCKER / path).is_file(), path
    config = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
    job = config["scrape_configs"][0]
    assert job["static_configs"][0]["targets"] == ["web:8000"] and job["metrics_path"] == "/metrics"
    secret = prometheus["secrets"][0]
    assert job["authorization"]["credentials_file"] == f"/run/secrets/{secret}"
    assert compose["secrets"][secret] == {"environment": "L2PORTAL_METRICS_TOKEN"}
    assert compose["x-app"]["environment"]["L2PORTAL_METRICS_TOKEN"] == "${L2PORTAL_METRICS_TOKEN:-}"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (Debian: prometheus)")
def test_promtool_accepts_the_alert_rules_and_the_scrape_config():
    rules = subprocess.run(
        ["promtool", "check", "rules", str(DOCKER / "prometheus" / "alerts.yml")],
        capture_output=True,
        text=True,
    )
    assert rules.returncode == 0, rules.stdout + rules.stderr
    # --syntax-only: the token file exists only inside the Prometheus container.
    config = subprocess.run(
        ["promtool", "check", "config", "--syntax-only", str(DOCKER / "prometheus" / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert config.returncode == 0, config.stdout + config.stderr
