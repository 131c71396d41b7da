"""Health, admin, OpenAPI and the embedded default (SQLite, no broker)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.celery import app as celery_app
from l2portal.ledger import services
from tests.factories import SYSTEM, program, superuser

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_workers(client):
    response = client.get("/healthz")
    body = response.json()
    assert body["database"]["ok"] is True
    assert {"broker", "workers"} <= body.keys()
    assert response.status_code == (200 if body["ok"] else 503)


@pytest.mark.django_db
def test_healthz_answers_json_naming_the_broker_when_it_is_down_or_restarting(
    client, own_redis, broker_at, monkeypatch
):
    broker_at(own_redis.url)  # not started: nothing listens there
    down = client.get("/healthz")
    assert down.status_code == 503 and down["Content-Type"] == "application/json"
    assert down.json()["broker"]["ok"] is False and down.json()["broker"]["error"]
    own_redis.start()

    def reset(*args, **kwargs):  # the broker restarts between the connection check and the ping
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(celery_app.control, "ping", reset)
    restarting = client.get("/healthz")
    assert restarting.status_code == 503 and restarting.json()["broker"]["ok"] is True
    assert "Connection reset by peer" in restarting.json()["workers"]["error"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_healthz_sees_a_live_worker(client, celery_worker_process):
    body = client.get("/healthz").json()
    assert body["broker"]["ok"] and body["workers"]["ok"], body
    assert any(name.startswith("test-") for name in body["workers"]["names"]), body


@pytest.mark.django_db
def test_admin_lists_every_model_and_history_is_read_only(client):
    from django.contrib import admin

    client.force_login(superuser())
    op = program("eid_admin")
    services.transition(op, "invertible", SYSTEM, "ok")
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/programs/observingprogram/{op.pk}/change/")
    assert page.status_code == 200 and b"discovered" in page.content


@pytest.mark.django_db
def test_operators_steer_every_portal_model_in_the_admin_and_scientists_cannot(client):
    from django.contrib import admin

    from l2portal.ledger.roles import OPERATOR, SCIENTIST
    from tests.factories import user

    portal_models = [
        m for m in admin.site._registry if m._meta.app_label in {"ledger", "programs", "pipelines", "restore"}
    ]
    client.force_login(user("op", OPERATOR))
    for model in portal_models:
        assert client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/").status_code == 200
    client.force_login(user("sci", SCIENTIST))
    assert client.get("/admin/programs/observingprogram/").status_code == 302


@pytest.mark.django_db
def test_admin_retry_action_moves_failed_items_back(client):
    client.force_login(superuser())
    op = program("eid_retry")
    services.fail(op, SYSTEM, "broken")
    client.post("/admin/programs/observingprogram/", {"action": "retry_failed", "_selected_action": [op.pk]})
    op.refresh_from_db()
    assert op.state == "discovered"


@pytest.mark.django_db
def test_dashboard_query_count_does_not_grow_with_data(client):
    client.force_login(superuser())
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for n in range(20):
        services.transition(program(f"eid_{n}"), "invertible", SYSTEM)
    with CaptureQueriesContext(connection) as after:
        client.get("/")
    assert len(after) == len(before)


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/products/{id}/provenance/" in (tmp_path / "schema.yml").read_text()


def test_without_services_a_real_worker_runs_the_demo_from_the_broker_folder(tmp_path):
    """`make run` on a fresh machine: no DATABASE_URL, no broker server. The demo's work waits as
    files in var/broker until a real worker takes it; then the pages show it done."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(
        L2PORTAL_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
        L2PORTAL_DATA_ROOT=str(tmp_path / "data"),
        DJANGO_SECRET_KEY="a-key-of-this-test-only-" + "x" * 40,  # as `make run` does
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1,testserver",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert manage("migrate", "--noinput").returncode == 0
    loaded = manage("load_demo")
    assert "Demo data loaded" in loaded.stdout, loaded.stderr
    assert any((tmp_path / "broker" / "queue").iterdir()), "the demo's work waits in the broker folder"
    queues = manage("queues").stdout.strip()
    with (tmp_path / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "l2portal", "worker", "-Q", queues, "--concurrency", "2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    script = (
        "import time\n"
        "from django.test import Client\n"
        "from django.db import connection\n"
        "from l2portal.ledger.models import TaskIntent\n"
        "from pipelines.models import ReprocessingCampaign\n"
        "assert connection.vendor == 'sqlite'\n"
        "deadline = time.monotonic() + 240\n"
        "def settled():\n"
        "    waiting = TaskIntent.objects.filter(status__in=['pending', 'sent']).exists()\n"
        "    return ReprocessingCampaign.objects.get(name='P310').state == 'validated' and not waiting\n"
        "while not settled() and time.monotonic() < deadline:\n"
        "    time.sleep(1)\n"
        "assert settled(), ReprocessingCampaign.objects.get(name='P310').state\n"
        "c = Client()\n"
        "assert c.login(username='operator', password='operator')\n"
        "page = c.get('/')\n"
        "assert page.status_code == 200 and b'Dashboard' in page.content, page.status_code\n"
        "print('worked off the broker folder')\n"
    )
    try:
        checked = manage("shell", "-c", script)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert "worked off the broker folder" in checked.stdout, (
        checked.stderr + (tmp_path / "worker.log").read_text()[-3000:]
    )
    assert (tmp_path / "l2portal.sqlite3").exists()
