"""Django's request figures under gunicorn, as the image runs it (`-c python:l2portal.gunicorn_conf`,
several workers, PROMETHEUS_MULTIPROC_DIR): each worker process keeps its own, and every scrape,
whichever process answers it, counts the requests of all of them; figures left by an earlier server
are gone when it starts."""

import os
import subprocess
import sys
import uuid
from urllib.request import Request, urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT, database_url_of_this_run, free_port, wait_for

TOKEN = "scrape-token-of-the-gunicorn-test"
PAGES = 12

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gunicorn(tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"figures of a server that ran before")
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of_this_run(),
        "PYTHONPATH": str(ROOT),
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "L2PORTAL_METRICS_TOKEN": TOKEN,
        "DJANGO_SECRET_KEY": f"tests-only-{uuid.uuid4().hex}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:l2portal.gunicorn_conf",
        "l2portal.wsgi:application",
    ]
    # No control socket: its default path is one for every gunicorn of the machine.
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket"]
    with (tmp_path / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/accounts/login/"), timeout=120)
        yield base, folder
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        with urlopen(url, timeout=60) as answer:  # a worker's first answer loads the site
            return answer.status == 200
    except OSError:  # not listening yet (URLError), or a slow start (TimeoutError)
        return False


def sign_in_pages_counted(base: str) -> float:
    request = Request(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    with urlopen(request, timeout=10) as answer:
        text = answer.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "django_http_responses_total_by_status_view_method_total"
        and sample.labels["view"] == "login"
    )


def test_every_scrape_counts_the_requests_of_every_worker_process(gunicorn):
    base, folder = gunicorn
    assert not (folder / "counter_999999.db").exists()
    for _ in range(PAGES - 1):  # one was the readiness check
        assert _answers(f"{base}/accounts/login/")
    # Both processes answered some of them (each keeps its figures in its own files) ...
    wait_for(lambda: len({path.stem.rpartition("_")[2] for path in folder.glob("counter_*.db")}) >= 2)
    # ... and each scrape, whichever process answers, counts them all.
    assert [sign_in_pages_counted(base) for _ in range(6)] == [PAGES] * 6
