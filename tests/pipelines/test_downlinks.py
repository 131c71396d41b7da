"""Registering a downlink folder: checked, registered with its chunks and started once; refused
with every problem named and nothing registered."""

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from l2portal.ledger.models import LedgerEvent, TaskIntent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.models import Chunk, Downlink
from tests.factories import SYSTEM
from tests.pipelines.halfpipe import simulate

pytestmark = pytest.mark.django_db


def test_a_downlink_folder_is_registered_with_its_chunks_and_started_once():
    folder = simulate()[0]
    downlink, created = services.ingest_downlink(folder, SYSTEM)
    assert created and downlink.state == "chunking" and downlink.folder == "230401001"
    chunks = list(downlink.chunks.values_list("number", "state", "filename"))
    assert chunks == [(n, "queued", f"230401001-{n:05d}.chunk") for n in (1, 2, 3)]
    assert TaskIntent.objects.filter(task_name="pipelines.tasks.decode_chunk").count() == 3
    again, created = services.ingest_downlink(folder, SYSTEM)
    assert again == downlink and not created
    assert Chunk.objects.count() == 3 and downlink.transitions.count() == 1
    assert TaskIntent.objects.count() == 3


def test_a_broken_folder_is_refused_with_every_problem_and_nothing_registered(settings):
    folder = simulate()[0]
    (folder / "230401001-00002.chunk").unlink()
    (folder / "RetDef-230401001-00003.xml").write_text("<retdef downlink='230401001' chunk='3'")
    with pytest.raises(services.DownlinkRefused) as refused:
        services.ingest_downlink(folder, SYSTEM)
    message = refused.value.message
    assert "chunk file 230401001-00002.chunk is missing" in message
    assert "RetDef-230401001-00003.xml is not well-formed XML" in message
    assert Downlink.objects.count() == 0
    assert LedgerEvent.objects.get(kind="downlink_refused").details["problems"]


def test_a_folder_outside_the_incoming_root_is_refused(tmp_path):
    folder = simulate()[0]
    elsewhere = shutil.copytree(folder, tmp_path / "elsewhere" / folder.name)
    with pytest.raises(services.DownlinkRefused, match="not under PIPELINES_INCOMING_ROOT"):
        services.ingest_downlink(elsewhere, SYSTEM)


def test_a_retdef_with_a_dtd_is_refused():
    folder = simulate()[0]
    retdef = folder / "RetDef-230401001-00001.xml"
    dtd = '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    retdef.write_text(f'<?xml version="1.0"?>{dtd}<retdef/>')
    with pytest.raises(services.DownlinkRefused, match="declares a DTD"):
        services.ingest_downlink(folder, SYSTEM)


def test_only_operators_register_downlinks(scientist):
    with pytest.raises(NotPermitted):
        services.ingest_downlink(simulate()[0], Actor.of_user(scientist))


def test_a_chunk_linked_from_outside_the_incoming_root_is_refused(tmp_path):
    folder = simulate()[0]
    chunk = folder / "230401001-00002.chunk"
    outside = tmp_path / "secret.chunk"
    shutil.move(chunk, outside)
    chunk.symlink_to(outside)
    with pytest.raises(services.DownlinkRefused, match="outside the incoming root") as refused:
        services.ingest_downlink(folder, SYSTEM)
    assert "230401001-00002.chunk resolves to" in refused.value.message
    assert "copy the file in" in refused.value.message
    assert Downlink.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_of_one_folder_register_it_once():
    folder = simulate()[0]
    start = threading.Barrier(4)

    def register():
        start.wait()
        try:
            return services.ingest_downlink(folder, SYSTEM)[1]
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        created = list(pool.map(lambda _: register(), range(4)))
    assert sorted(created) == [False, False, False, True]
    assert Downlink.objects.count() == 1 and Chunk.objects.count() == 3
    assert TaskIntent.objects.filter(task_name="pipelines.tasks.decode_chunk").count() == 3
