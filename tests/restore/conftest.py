"""Fixtures of the restore tests: role users, a copy of the demo product store, and that store
served over real HTTP by http.server in a thread."""

import functools
import http.server
import shutil
import threading

import pytest

from l2portal.ledger.roles import FSSC, OPERATOR, SCIENTIST
from restore import archive
from tests.factories import user

X80E = "uid://A001/X12a3/X80e"


@pytest.fixture
def scientist(db):
    person = user("sci", SCIENTIST)
    person.email = "sci@example.org"
    person.save()
    return person


@pytest.fixture
def operator(db):
    return user("op", OPERATOR)


@pytest.fixture
def fssc(db):
    return user("fssc-client", FSSC)


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
