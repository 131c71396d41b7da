import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection, connections

from l2portal.celery import app as celery_app
from l2portal.ledger.roles import FSSC, OPERATOR, SCIENTIST
from tests.factories import user

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Real files from the public record (shared/reference/README.md), read where they lie:
    L2PORTAL_REFERENCE_DIR, default ../shared/reference beside the repository."""
    folder = Path(os.environ.get("L2PORTAL_REFERENCE_DIR", ROOT.parent / "shared" / "reference"))
    if not folder.is_dir():
        pytest.skip(f"reference files not found in {folder}; set L2PORTAL_REFERENCE_DIR")
    return folder


@pytest.fixture(scope="session", autouse=True)
def close_connections_after_each_request():
    """Persistent connections (CONN_MAX_AGE) left open by live_server threads would block dropping
    the test database at the end of the run."""
    from django.db import connections

    for alias in connections:
        connections[alias].settings_dict["CONN_MAX_AGE"] = 0


@pytest.fixture
def scientist(db):
    person = user("scientist", SCIENTIST)
    person.email = "scientist@example.org"
    person.save()
    return person


@pytest.fixture
def other_scientist(db):
    return user("marie", SCIENTIST)


@pytest.fixture
def operator(db):
    return user("operator", OPERATOR)


@pytest.fixture
def fssc(db):
    """The FSSC's API account (it has a token)."""
    return user("fssc", FSSC)


@pytest.fixture(autouse=True)
def data_root(settings, tmp_path):
    settings.DATA_ROOT = tmp_path / "data"
    return settings.DATA_ROOT


@pytest.fixture(autouse=True)
def eager_tasks(request):
    """Tasks run in-process unless the test starts a real worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL pointing at PostgreSQL"))
        if item.get_closest_marker("worker") and not has_broker:
            item.add_marker(pytest.mark.skip(reason="needs CELERY_BROKER_URL pointing at Redis"))


def database_url_of_this_run() -> str:
    """DATABASE_URL with the database name pytest-django created for this run."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def start_worker(data_root, tmp_path):
    """Start real Celery workers in their own processes, on the test database: ``start()`` on the
    configured Redis and waits until it answers a ping; ``start(broker_url=..., wait=False)`` for
    a broker of the test's own; ``include=("tests.ledger.flaky_tasks",)`` imports tasks of the
    tests' own. Extra keyword arguments become environment variables. Each
    worker's output goes to ``process.log_path``; all are stopped at the end of the test."""
    from l2portal.portal.site import queues

    started = []

    def start(broker_url=None, wait=True, concurrency=1, include=(), **environment):
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        log_path = tmp_path / f"worker-{len(started)}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_this_run(),
            "L2PORTAL_DATA_ROOT": str(data_root),
            "PYTHONPATH": str(ROOT),
            # A worker with DEBUG off refuses the development key (l2portal.startup).
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or f"tests-only-{uuid.uuid4().hex}",
            "DJANGO_ALLOWED_HOSTS": os.environ.get("DJANGO_ALLOWED_HOSTS")
            or "localhost,127.0.0.1,testserver",
            **({"CELERY_BROKER_URL": broker_url} if broker_url else {}),
            **{key: str(value) for key, value in environment.items()},
        }
        command = [sys.executable, "-m", "celery", "-A", "l2portal", "worker", "-Q", ",".join(queues())]
        command += ["-n", name, "--concurrency", str(concurrency), "--pool", "prefork", "-l", "info"]
        command += ["--without-mingle", "--without-gossip"]
        if include:  # modules of the tests' own tasks, imported by the worker too
            command += ["--include", ",".join(include)]
        with log_path.open("w") as log:
            # In a session of its own: os.killpg(process.pid, SIGKILL) kills it with its pool at once.
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        process.log_path = log_path
        process.hostname = name.replace("%h", os.uname().nodename)
        started.append(process)
        if wait:
            deadline = time.monotonic() + 60
            while not celery_app.control.ping(destination=[process.hostname], timeout=0.5):
                if process.poll() is not None:
                    pytest.fail(f"worker exited early:\n{log_path.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"worker did not answer a ping within 60 s:\n{log_path.read_text()[-3000:]}")
        return process

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def celery_worker_process(start_worker):
    """One real Celery worker on the test database and the configured Redis (its queues emptied)."""
    celery_app.control.purge()
    return start_worker()


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of the test's own on a free port, without persistence, stopped at first:
    ``start()`` starts it, ``stop()`` stops it (losing everything it held, as a restart does)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    running = []

    def start():
        running.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
            )
        )
        wait_for(
            lambda: (
                subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0
            )
        )

    def stop():
        while running:
            process = running.pop()
            process.terminate()
            process.wait(timeout=10)

    own = SimpleNamespace(url=f"redis://127.0.0.1:{port}/0", start=start, stop=stop)
    yield own
    stop()


@pytest.fixture
def broker_at(monkeypatch, eager_tasks):
    """Point this process's Celery app at another broker for the test (tasks sent, not run here)."""
    eager = celery_app.conf.task_always_eager

    def forget_connections():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    def point(url):
        celery_app.conf.task_always_eager = False
        for key in ("broker_url", "broker_read_url", "broker_write_url"):
            monkeypatch.setitem(celery_app.conf, key, url)
        forget_connections()

    yield point
    # Undone here, before eager_tasks restores what it found: whatever order the rest is undone in.
    celery_app.conf.task_always_eager = eager
    forget_connections()  # connections to the usual broker are made again when next needed


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(live_server):
    """A page in Debian's headless Chromium driven by Playwright; sign in with ``sign_in``.

    Playwright's sync API runs an event loop in the test's thread while the ORM stays synchronous,
    hence DJANGO_ALLOW_ASYNC_UNSAFE for the duration of the test."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            try:
                yield page
            finally:
                page.goto("about:blank")  # stop htmx polling before the server goes away
                browser.close()
                # Inside Playwright's event loop the ORM used connections of their own: close
                # them, or the test database cannot be dropped at the end of the run.
                connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def pytest_terminal_summary(terminalreporter):
    """The run ends with what it ran on and how many tests it skipped, by reason: on a machine
    without PostgreSQL, Redis, fitsverify or Chromium, what was not tested and what would test it."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = os.environ.get("CELERY_BROKER_URL") or "none (tests with a worker skip)"
    terminalreporter.write_sep("-", "services of this run")
    terminalreporter.write_line(f"database: {engine}; broker: {broker}")
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    terminalreporter.write_sep("-", f"{len(skipped)} skipped, by reason")
    for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        terminalreporter.write_line(f"{count:>5}  {reason}")
