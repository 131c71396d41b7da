"""Fixtures of the restore tests: running a restore in place, a copy of the demo product store,
and that store served over real HTTP by http.server in a thread. Role users come from
tests/conftest.py."""

import functools
import http.server
import shutil
import threading

import pytest

from l2portal.ledger.services import Actor, transition
from restore import archive, services
from restore.models import StagedFile

X80E = "uid://A001/X12a3/X80e"


@pytest.fixture
def run_restore():
    """Request a restore of an MOUS as a person (the portal itself if None) and read it back:
    with tasks run in place, it has gone as far as it goes."""

    def run(mous_uid=X80E, who=None):
        actor = Actor.system("test") if who is None else Actor.of_user(who)
        restore = services.request_restore(mous_uid, actor)
        restore.refresh_from_db()
        return restore

    return run


@pytest.fixture
def with_staged_files():
    """Give a requested restore ``count`` staged files and move it to Checked."""

    def add(restore, count):
        StagedFile.objects.bulk_create(
            StagedFile(request=restore, kind="product", name=f"f{n}", relative_path=f"products/f{n}")
            for n in range(count)
        )
        transition(restore, "checked", Actor.system("test"))

    return add


@pytest.fixture
def store_copy(tmp_path):
    """A writable copy of the demo product store (tests corrupt or remove files in it)."""
    copy = tmp_path / "store"
    shutil.copytree(archive.DEMO_PRODUCTS_DIR, copy)
    return copy


class _RecordingHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        self.server.requested.append(self.path)


@pytest.fixture
def http_store(store_copy):
    """The store copy behind a real HTTP server; ``.requested`` lists the paths asked for."""
    handler = functools.partial(_RecordingHandler, directory=str(store_copy))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requested = []
    server.directory = store_copy
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
