"""The local-copy and HTTP backends: folders transferred file by file, each verified with its own
SHA-256, no checksum listing needed; identical files skipped; nothing partial left behind."""

import contextlib
import functools
import hashlib
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from l2portal.programs.science import transfer as transfer_module
from l2portal.programs.science.transfer import (
    ChecksumMismatch,
    Endpoint,
    HttpBackend,
    LocalCopyBackend,
    TransferError,
    TransferItem,
    TransferJob,
    TransferUnavailable,
    TransferWatch,
)


class Recorder(TransferWatch):
    def __init__(self):
        self.states = []

    def progress(self, state):
        self.states.append((state.status, state.files_done, state.files_skipped, state.bytes_done))


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "l1" / "data" / "pid_1" / "DS1"
    (folder / "sub").mkdir(parents=True)
    contents = {"a.fits": b"a" * 5000, "b.fits": b"b" * 7000, "sub/c.fits": b"c" * 300}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return tmp_path / "l1", contents


def job(source_root: str, destination: Path, item="data/pid_1/DS1") -> TransferJob:
    return TransferJob(
        "test", Endpoint(None, source_root), Endpoint(None, str(destination)), (TransferItem(item, "OP/DS1"),)
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_local_copy_verifies_each_file_and_skips_identical_ones(source, tmp_path):
    root, contents = source
    scratch = tmp_path / "scratch"
    watch = Recorder()
    report = LocalCopyBackend().run(job(str(root), scratch), watch)
    assert [(f.path, f.size, f.skipped) for f in report.files] == [
        ("OP/DS1/a.fits", 5000, False),
        ("OP/DS1/b.fits", 7000, False),
        ("OP/DS1/sub/c.fits", 300, False),
    ]
    assert all(
        f.sha256 == hashlib.sha256(contents[f.path[7:]]).hexdigest() and f.verified_by == "sha256"
        for f in report.files
    )
    assert leftovers(scratch) == ["OP/DS1/a.fits", "OP/DS1/b.fits", "OP/DS1/sub/c.fits"]
    assert watch.states[-1] == ("SUCCEEDED", 3, 0, 12300)

    (scratch / "OP/DS1/b.fits").write_bytes(b"broken")  # a damaged copy is copied again
    again = LocalCopyBackend().run(job(str(root), scratch), Recorder())
    assert [f.skipped for f in again.files] == [True, False, True]
    assert (scratch / "OP/DS1/b.fits").read_bytes() == contents["b.fits"] and again.bytes_transferred == 7000


def test_a_copy_that_does_not_match_its_source_is_discarded(source, tmp_path, monkeypatch):
    root, _ = source
    scratch = tmp_path / "scratch"
    real = transfer_module._stream_to

    def corrupting(path, blocks, state, watch):
        return real(path, (bytes([block[0] ^ 1]) + block[1:] for block in blocks), state, watch)

    monkeypatch.setattr(transfer_module, "_stream_to", corrupting)
    with pytest.raises(
        ChecksumMismatch, match=r"OP/DS1/a\.fits: copied SHA-256 \w+ differs from the source's"
    ):
        LocalCopyBackend().run(job(str(root), scratch), Recorder())
    assert leftovers(scratch) == []


def test_missing_source_and_escaping_paths_are_refused(source, tmp_path):
    root, _ = source
    with pytest.raises(TransferError, match="no such folder"):
        LocalCopyBackend().run(job(str(root), tmp_path / "s", item="data/pid_1/NOPE"), Recorder())
    for bad in ("../escape", "/etc", "a//b", "a/\x00"):
        with pytest.raises(TransferError, match="must be relative and stay inside"):
            LocalCopyBackend().run(job(str(root), tmp_path / "s", item=bad), Recorder())


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


def test_http_fetches_a_folder_from_its_index_pages(source, tmp_path):
    root, contents = source
    scratch = tmp_path / "scratch"
    with serve_folder(root) as base_url:
        report = HttpBackend(chunk_size=256).run(job(base_url, scratch), Recorder())
        assert [(f.path, f.size, f.skipped) for f in report.files] == [
            ("OP/DS1/a.fits", 5000, False),
            ("OP/DS1/b.fits", 7000, False),
            ("OP/DS1/sub/c.fits", 300, False),
        ]
        assert report.files[1].sha256 == hashlib.sha256(contents["b.fits"]).hexdigest()
        again = HttpBackend().run(job(base_url, scratch), Recorder())
        assert all(f.skipped for f in again.files)
        with pytest.raises(TransferError, match="HTTP 404"):
            HttpBackend().run(job(base_url, scratch, item="data/pid_1/NOPE"), Recorder())
    with pytest.raises(TransferUnavailable, match="failed"):
        HttpBackend(timeout=1).run(job(base_url, scratch), Recorder())  # the server is gone
    assert leftovers(scratch) == ["OP/DS1/a.fits", "OP/DS1/b.fits", "OP/DS1/sub/c.fits"]


def test_http_cannot_publish():
    destination = Endpoint("some-collection", "/")
    with pytest.raises(TransferError, match="only fetches into a local folder"):
        HttpBackend().run(TransferJob("x", Endpoint(None, "http://x"), destination, ()), Recorder())
