import contextlib
import functools
import hashlib
import importlib.util
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from astropy.io import fits

from l2portal.programs import synthetic
from l2portal.programs.metadata import parse_dataset_inventory
from l2portal.programs.preprocess import (
    ChecksumMismatch,
    GlobusBackend,
    HttpBackend,
    LocalCopyBackend,
    TransferError,
    TransferItem,
    build_inversion_manifest,
    fetch_files,
    listing_path,
    parse_listing,
    write_inversion_manifest,
)
from tests.programs import raw_record


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "source"
    folder.mkdir()
    contents = {f"frame{n}.fits": bytes([n]) * (1000 + n) for n in range(3)}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return folder, contents


def items_for(contents, **overrides):
    return [
        TransferItem(source=name, sha256=sha256(data), dest=f"ds/{name}", size=len(data), **overrides)
        for name, data in contents.items()
    ]


class CountingBackend(LocalCopyBackend):
    def __init__(self, root):
        super().__init__(root)
        self.fetched = []

    def fetch(self, source, destination, on_bytes):
        self.fetched.append(source)
        super().fetch(source, destination, on_bytes)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_fetches_then_skips_complete_files(source, tmp_path):
    folder, contents = source
    scratch = tmp_path / "scratch"
    backend = CountingBackend(folder)
    events = []

    first = fetch_files(items_for(contents), scratch, backend, events.append)
    assert [p.name for p in first.fetched] == list(contents) and first.skipped == []
    assert all((scratch / "ds" / name).read_bytes() == data for name, data in contents.items())
    assert [e.state for e in events if e.state != "fetching"] == ["fetched"] * 3
    assert events[-1].index == events[-1].total == 3 and events[-1].bytes_done == 1002

    events.clear()
    second = fetch_files(items_for(contents), scratch, backend, events.append)
    assert second.fetched == [] and second.paths == sorted(scratch / "ds" / name for name in contents)
    assert backend.fetched == list(contents)  # nothing fetched the second time
    assert [e.state for e in events] == ["skipped"] * 3


def test_wrong_checksum_is_rejected_without_leaving_a_file(source, tmp_path):
    folder, contents = source
    scratch = tmp_path / "scratch"
    items = items_for(contents)
    items[1] = TransferItem(items[1].source, "0" * 64, items[1].dest)
    with pytest.raises(ChecksumMismatch, match=r"frame1\.fits: SHA-256 \w+ does not match"):
        fetch_files(items, scratch, LocalCopyBackend(folder))
    assert leftovers(scratch) == ["frame0.fits"]  # the good file before it stays; no partial file


def test_wrong_size_is_rejected_without_leaving_a_file(source, tmp_path):
    folder, contents = source
    scratch = tmp_path / "scratch"
    item = items_for(contents)[0]
    with pytest.raises(ChecksumMismatch, match="expected 5"):
        fetch_files(
            [TransferItem(item.source, item.sha256, item.dest, size=5)], scratch, LocalCopyBackend(folder)
        )
    assert leftovers(scratch) == []


def test_corrupt_existing_file_is_fetched_again(source, tmp_path):
    folder, contents = source
    scratch = tmp_path / "scratch"
    (scratch / "ds").mkdir(parents=True)
    (scratch / "ds" / "frame0.fits").write_bytes(b"truncated")
    report = fetch_files(items_for(contents), scratch, LocalCopyBackend(folder))
    assert len(report.fetched) == 3
    assert (scratch / "ds" / "frame0.fits").read_bytes() == contents["frame0.fits"]


def test_failed_transfer_leaves_no_partial_file(tmp_path):
    class FailingBackend(LocalCopyBackend):
        def fetch(self, source, destination, on_bytes):
            destination.write_bytes(b"half a fi")
            raise TransferError("connection dropped")

    with pytest.raises(TransferError, match="connection dropped"):
        fetch_files([TransferItem("x", "0" * 64, "ds/x.fits")], tmp_path / "scratch", FailingBackend())
    assert leftovers(tmp_path / "scratch") == []


def test_missing_source_is_a_transfer_error(tmp_path):
    with pytest.raises(TransferError, match="cannot copy"):
        fetch_files([TransferItem("absent", "0" * 64, "a")], tmp_path / "s", LocalCopyBackend(tmp_path))


@pytest.mark.parametrize("dest", ["../escape.fits", "/etc/passwd", ""])
def test_destination_must_stay_inside_scratch(tmp_path, dest):
    with pytest.raises(TransferError, match="relative path inside the scratch folder"):
        fetch_files([TransferItem("x", "0" * 64, dest)], tmp_path / "scratch", LocalCopyBackend(tmp_path))


@contextlib.contextmanager
def serve_folder(folder: Path):
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_backend_streams_and_verifies(source, tmp_path):
    folder, contents = source
    scratch = tmp_path / "scratch"
    with serve_folder(folder) as base_url:
        backend = HttpBackend(base_url, chunk_size=256)
        report = fetch_files(items_for(contents), scratch, backend)
        assert len(report.fetched) == 3
        with pytest.raises(TransferError, match="HTTP 404"):
            fetch_files([TransferItem("missing.fits", "0" * 64, "m.fits")], scratch, backend)
    assert (scratch / "ds" / "frame2.fits").read_bytes() == contents["frame2.fits"]
    assert not (scratch / "m.fits").exists()


def test_globus_backend_explains_what_it_needs(tmp_path):
    backend = GlobusBackend(
        source_endpoint="src", destination_endpoint="dst", destination_root=tmp_path / "scratch"
    )
    expected = "globus-sdk package" if importlib.util.find_spec("globus_sdk") is None else "not configured"
    with pytest.raises(TransferError, match=expected):
        fetch_files([TransferItem("/data/x.fits", "0" * 64, "x.fits")], tmp_path / "scratch", backend)
    assert leftovers(tmp_path / "scratch") == []


def test_manifest_lists_frames_per_dataset_and_line(tmp_path):
    scratch = tmp_path / "scratch"
    fe = parse_dataset_inventory(raw_record(datasetId="FE"))
    ca = parse_dataset_inventory(
        raw_record(datasetId="CA", spectralLines=None, wavelengthMin=853.9, wavelengthMax=854.5)
    )
    frames = synthetic.write_l1_frames(scratch / "FE", fe, 3) + synthetic.write_l1_frames(
        scratch / "CA", ca, 2
    )
    manifest = build_inversion_manifest("eid_1_118_opA", reversed(frames), scratch)

    assert manifest["program_id"] == "eid_1_118_opA"
    assert manifest["datasets"]["FE"]["lines"] == ["Fe I 630"]
    assert manifest["datasets"]["FE"]["frame_count"] == 3
    assert manifest["datasets"]["CA"]["frames"] == sorted(f"CA/{p.name}" for p in frames[3:])
    assert manifest["lines"] == {
        "Ca II 854": {"datasets": ["CA"], "frame_count": 2},
        "Fe I 630": {"datasets": ["FE"], "frame_count": 3},
    }

    path = write_inversion_manifest(scratch / "manifest.json", manifest)
    assert json.loads(path.read_text()) == manifest
    write_inversion_manifest(path, build_inversion_manifest("eid_1_118_opA", frames, scratch))
    assert json.loads(path.read_text()) == manifest  # same frames, same manifest
    assert leftovers(scratch).count("manifest.json") == 1


def test_manifest_rejects_frames_without_dataset_id(tmp_path):
    frame = tmp_path / "bare.fits"
    fits.PrimaryHDU().writeto(frame)
    with pytest.raises(ValueError, match=r"bare\.fits: header has no DSETID"):
        build_inversion_manifest("op", [frame], tmp_path)


def test_listing_names_each_frame_with_its_checksum():
    digest = "ab" * 32
    items = parse_listing("DS1", f"{digest}  frame0.fits\n\n{digest.upper()}  frame1.fits\n")
    assert items == [
        TransferItem("DS1/frame0.fits", digest, "DS1/frame0.fits"),
        TransferItem("DS1/frame1.fits", digest.upper(), "DS1/frame1.fits"),
    ]
    assert listing_path("DS1") == "DS1/SHA256SUMS"


@pytest.mark.parametrize(
    "line", ["nothex  frame.fits", f"{'a' * 64} frame.fits", f"{'a' * 64}  ../x", f"{'a' * 64}  .."]
)
def test_listing_line_that_is_not_a_checksum_and_a_name_is_refused(line):
    with pytest.raises(TransferError, match=r"DS1/SHA256SUMS line 2 is not '<sha256>  <file>'"):
        parse_listing("DS1", f"{'b' * 64}  ok.fits\n{line}\n")


@pytest.mark.parametrize("dataset_id", ["..", ".", "a/b", "a\\b", "a\x00b"])
def test_dataset_id_that_cannot_name_a_folder_is_refused(dataset_id):
    with pytest.raises(TransferError, match="cannot name a folder"):
        listing_path(dataset_id)
