"""A deployment that comes back by itself: every long-running service of the compose file restarts
unless stopped and says when it is unhealthy; the systemd units for hosts without compose restart
always. (No Docker engine runs here: the files are read, as compose and systemd read them.)"""

import configparser
from pathlib import Path

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
