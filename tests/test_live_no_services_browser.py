"""The no-services mode as `make run` starts it, in a real browser: a web server and a real Celery
worker (with beat) in processes of their own, with no DATABASE_URL and no CELERY_BROKER_URL, so
SQLite and kombu's filesystem broker under the portal's var folder. An operator starts a small
campaign from its page; the request returns at once, and the page's progress advances to
Validated while the worker does the work, without a reload."""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest

from l2portal.portal.site import queues
from tests.browser_checks import check_page
from tests.conftest import ROOT, free_port, sign_in, wait_for

RUNS = ("545208791", "545294791", "545380791")
SETUP = f"""
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("create_role_user", "operator", "operator", password="operator")
call_command("generate_demo_magic7", {", ".join(RUNS)}, seconds=300)
call_command("create_campaign", "P1", run_list="{",".join(RUNS)}")
"""


def no_services_environment(var: str) -> dict:
    """As `make run` without the two URLs: the portal's own SQLite and broker folder under var."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        L2PORTAL_VAR_DIR=var,
        L2PORTAL_DATA_ROOT=os.path.join(var, "data"),
        PYTHONPATH=str(ROOT),
        DJANGO_SECRET_KEY="a-key-of-this-test-only-" + "x" * 40,  # as `make run` does
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
    )
    return env


def answers(url: str, server: subprocess.Popen, log) -> bool:
    """Whether the server answers (any status); fails with its log if it exited."""
    if server.poll() is not None:
        pytest.fail(f"the web server exited:\n{log.read_text()[-3000:]}")
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def stop(process: subprocess.Popen) -> None:
    """Stop a process started in a session of its own (the worker with its pool and beat)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_campaign_started_from_its_page_advances_live_without_services(browser_page, tmp_path):
    from playwright.sync_api import expect

    var = tmp_path / "var"
    env = no_services_environment(str(var))
    prepared = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    assert (var / "l2portal.sqlite3").exists()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_log, worker_log = tmp_path / "server.log", tmp_path / "worker.log"
    started = []
    try:
        with server_log.open("w") as log:
            server = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(server)
        with worker_log.open("w") as log:
            worker = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "l2portal", "worker", "-B"),
                    *("-s", str(var / "celerybeat-schedule"), "-Q", ",".join(queues())),
                    *("--concurrency", "2", "-l", "info"),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(worker)
        wait_for(lambda: answers(f"{base}/healthz", server, server_log), timeout=60)

        page = browser_page
        sign_in(page, SimpleNamespace(url=base), "operator", "operator")
        page.goto(f"{base}/pipelines/")
        page.get_by_role("link", name="P1", exact=True).click()
        live = page.locator("#campaign-live")
        badge = live.locator("h2 .badge")
        expect(badge).to_have_text("Defined")
        page.get_by_role("button", name="Start").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Start campaign P1?")
        dialog.get_by_role("button", name="Confirm").click()

        # The request came back with the work queued, not done.
        expect(page.locator(".message")).to_contain_text("3 runs sent to the workers")
        expect(badge).to_have_text("Running")
        done = live.locator("dd.done")
        assert int(done.inner_text()) < len(RUNS)
        page.evaluate("() => { window.notReloaded = true; }")

        # The worker takes the runs from the broker folder; the page follows them on its own.
        expect(done).to_have_text(str(len(RUNS)), timeout=120_000)
        expect(badge).to_have_text("Validated", timeout=60_000)
        expect(live.locator("svg.strip rect.state-ready")).to_have_count(len(RUNS))
        assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"
        check_page(page, "campaign-live-no-services")
    except Exception:
        print("worker log:\n" + worker_log.read_text()[-4000:])
        print("server log:\n" + server_log.read_text()[-2000:])
        raise
    finally:
        for process in started:
            stop(process)
