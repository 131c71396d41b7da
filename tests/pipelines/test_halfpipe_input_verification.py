"""HalfPipe's inputs verified where they are used: a raw chunk against its registration (its size at
ingest, the sha256 its RetDef gives) before it is decoded; the decoded chunk files against theirs
before they are merged (issue 20)."""

import pytest

from l2portal.files import sha256_file
from l2portal.ledger.models import LedgerEvent
from l2portal.registry.services import absolute_path
from pipelines import conf
from pipelines.models import Chunk, ChunkEvents, DataRun, MergeVersion
from tests.pipelines.halfpipe import ingest, register_magic7_for, simulate

pytestmark = pytest.mark.django_db


def _damage(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte flipped: the size is the same, the sha256 is not
    path.write_bytes(bytes(data))


def test_a_chunk_damaged_after_ingest_fails_alone_with_both_checksums(
    django_capture_on_commit_callbacks, tmp_path
):
    register_magic7_for(tmp_path=tmp_path)
    first, _ = simulate()
    with django_capture_on_commit_callbacks() as started:  # registered, its tasks held back
        downlink, _ = ingest(first)
    chunk = downlink.chunks.get(number=2)
    path = conf.incoming_root() / downlink.folder / chunk.filename
    registered = chunk.sha256
    _damage(path)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in started:
            callback()
    chunk.refresh_from_db()
    assert chunk.state == "error"
    reason = chunk.transitions.last().reason
    assert chunk.filename in reason and registered in reason and sha256_file(path) in reason
    assert "fetch it again" in reason
    assert not ChunkEvents.objects.filter(chunk=chunk).exists()  # nothing written from it
    event = LedgerEvent.objects.get(kind="input_changed")
    assert (
        event.details["found_sha256"] == sha256_file(path)
        and event.details["registered_sha256"] == registered
    )
    assert set(downlink.chunks.exclude(pk=chunk.pk).values_list("state", flat=True)) == {"done"}


def test_a_decoded_chunk_file_damaged_before_its_merge_fails_the_run(
    django_capture_on_commit_callbacks, tmp_path
):
    register_magic7_for(tmp_path=tmp_path)
    first, _ = simulate()
    with django_capture_on_commit_callbacks() as started:
        ingest(first)
    with django_capture_on_commit_callbacks() as decoded:  # the chunks decoded, the merges held back
        for callback in started:
            callback()
    assert set(Chunk.objects.values_list("state", flat=True)) == {"done"}
    piece = ChunkEvents.objects.select_related("product", "data_run").order_by("pk").first()
    _damage(absolute_path(piece.product))
    with django_capture_on_commit_callbacks(execute=True):
        for callback in decoded:
            callback()
    run = DataRun.objects.get(pk=piece.data_run_id)
    assert run.state == "error"
    reason = run.transitions.last().reason
    assert piece.product.path in reason and piece.product.sha256 in reason
    assert not MergeVersion.objects.filter(data_run=run, product__isnull=False).exists()
    assert LedgerEvent.objects.filter(kind="input_changed", subject_id=str(piece.product.pk)).exists()
