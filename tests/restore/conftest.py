"""Fixtures of the restore tests: running a restore in place, a copy of the demo product store, and
that copy served by the project's NGAS server over real HTTP. Role users come from
tests/conftest.py."""

import shutil

import pytest

from l2portal.ledger.services import Actor, transition
from restore import services
from restore.models import StagedFile
from restore.science import archive
from restore.standins.ngas_server import NgasArchive, NgasServer

X80E = "uid://A001/X12a3/X80e"


@pytest.fixture
def run_restore():
    """Request a restore of an MOUS as a person (the portal itself if None) and read it back:
    with tasks run in place, it has gone as far as it goes."""

    def run(mous_uid=X80E, who=None, **options):
        actor = Actor.system("test") if who is None else Actor.of_user(who)
        restore = services.request_restore(mous_uid, actor, **options)
        restore.refresh_from_db()
        return restore

    return run


@pytest.fixture
def store_copy(tmp_path):
    """A writable copy of the demo product store (tests corrupt or remove files in it)."""
    copy = tmp_path / "store"
    shutil.copytree(archive.DEMO_PRODUCTS_DIR, copy)
    return copy


@pytest.fixture
def ngas(store_copy, settings):
    """The store copy behind the project's NGAS server, configured as the product store;
    ``.ngas.requests`` lists what was asked, ``.ngas.inject(...)`` queues faults."""
    with NgasServer(NgasArchive.from_demo_archive(store_copy)) as server:
        settings.RESTORE_PRODUCT_STORE = server.base_url
        yield server


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
