"""The product store client speaking NGAS over real HTTP to the project's NGAS server (STATUS,
RETRIEVE, resumed ranges, CRC verification, busy servers), and a folder store computing its CRCs."""

import hashlib
import os
import re
import zlib

import crc32c
import pytest
import requests

from restore.science import archive
from restore.science.productstore import ProductStore, StoreError, StoreUnreachable, VerificationError
from restore.standins.ngas_server import NgasArchive, NgasServer

CALTABLES = "member.uid___A001_X12a3_X80e.session_2.caltables.tgz"
BIG = "member.uid___A001_X12a3_X80e.big.tgz"


@pytest.fixture(params=["crc32", "crc32c", "crc32z"])
def server(request, tmp_path):
    """The demo products plus a 3 MB file, served with one CRC variant."""
    big = tmp_path / BIG
    big.write_bytes(os.urandom(3_000_000))
    files = {**NgasArchive.from_demo_archive().files, BIG: big}
    with NgasServer(NgasArchive(files, request.param)) as ngas:
        yield ngas


def test_status_gives_size_crc_and_variant(server):
    file = ProductStore(server.base_url).status(CALTABLES)
    data = (archive.DEMO_PRODUCTS_DIR / CALTABLES).read_bytes()
    assert file.size == len(data) and file.variant == server.ngas.variant
    value = crc32c.crc32c(data) if file.variant == "crc32c" else zlib.crc32(data)
    assert int(file.checksum) & 0xFFFFFFFF == value
    assert server.ngas.requests == [("STATUS", CALTABLES, "")]


def test_a_fetch_is_streamed_verified_and_hashed(server, tmp_path):
    announced = []
    fetched = ProductStore(server.base_url).fetch(BIG, tmp_path / "out", on_size=announced.append)
    data = (server.ngas.files[BIG]).read_bytes()
    assert (tmp_path / "out").read_bytes() == data and announced == [len(data)]
    assert fetched.size == len(data) and fetched.variant == server.ngas.variant
    assert fetched.sha256 == hashlib.sha256(data).hexdigest()


def test_a_truncated_body_is_resumed_with_a_range(server, tmp_path):
    server.ngas.inject("truncate", BIG)
    ProductStore(server.base_url).fetch(BIG, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == server.ngas.files[BIG].read_bytes()
    retrieves = [entry for entry in server.ngas.requests if entry[0] == "RETRIEVE"]
    assert retrieves[0][2] == "" and retrieves[1][2].startswith("bytes=") and retrieves[1][2] != "bytes=0-"


def test_a_server_ignoring_ranges_is_read_again_from_the_start(server, tmp_path):
    server.ngas.inject("truncate", BIG)
    server.ngas.inject("no_ranges", BIG)
    fetched = ProductStore(server.base_url).fetch(BIG, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == server.ngas.files[BIG].read_bytes()
    assert fetched.size == 3_000_000


def test_a_body_truncated_every_time_gives_up(server, tmp_path):
    server.ngas.inject("truncate", BIG, times=100)
    with pytest.raises(StoreUnreachable, match="the transfer stopped 6 times"):
        ProductStore(server.base_url).fetch(BIG, tmp_path / "out")


def test_a_wrong_crc_is_refused_and_the_file_not_kept(server, tmp_path):
    server.ngas.inject("wrong_crc", CALTABLES)
    with pytest.raises(
        VerificationError, match=f"{CALTABLES}: {server.ngas.variant} .* the file was not kept"
    ):
        ProductStore(server.base_url).fetch(CALTABLES, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    server.ngas.inject("wrong_crc", CALTABLES)
    with pytest.raises(VerificationError):
        ProductStore(server.base_url).read(CALTABLES)


def test_a_busy_server_is_asked_again(server, tmp_path):
    server.ngas.inject("busy", times=2)
    assert (
        ProductStore(server.base_url).read(CALTABLES) == (archive.DEMO_PRODUCTS_DIR / CALTABLES).read_bytes()
    )
    server.ngas.inject("busy", times=50)
    with pytest.raises(StoreUnreachable, match="busy \\(503\\) after 4 attempts"):
        ProductStore(server.base_url).status(CALTABLES)


def test_ngas_errors_are_passed_on(server):
    with pytest.raises(
        StoreError,
        match=re.escape("answered HTTP 400: NGAMS_ER_UNAVAIL_FILE:4019:ERROR: File with ID: x.tgz"),
    ):
        ProductStore(server.base_url).status("x.tgz")
    with pytest.raises(ValueError, match="path separator"):
        ProductStore(server.base_url).status("../etc/passwd")


def test_an_unreachable_server_is_worth_trying_later():
    with pytest.raises(
        StoreUnreachable,
        match=re.escape("STATUS of x.tgz at http://127.0.0.1:9/STATUS: the connection was refused"),
    ):
        ProductStore("http://127.0.0.1:9").status("x.tgz")


def test_a_folder_store_computes_the_crc_itself(store_copy, tmp_path):
    store = ProductStore(store_copy)
    file = store.status(CALTABLES)
    assert file.variant == "crc32c" and int(file.checksum) == crc32c.crc32c(
        (store_copy / CALTABLES).read_bytes()
    )
    assert store.fetch(CALTABLES, tmp_path / "out").size == file.size
    with pytest.raises(StoreError, match="not in the product store"):
        store.status("absent.tgz")


def test_what_answers_without_content_length_is_not_trusted(tmp_path, monkeypatch):
    with NgasServer() as ngas:
        original = requests.Session.get

        def without_length(self, url, **kwargs):
            response = original(self, url, **kwargs)
            if "RETRIEVE" in url:
                del response.headers["Content-Length"]
            return response

        monkeypatch.setattr(requests.Session, "get", without_length)
        with pytest.raises(StoreError, match="without a Content-Length"):
            ProductStore(ngas.base_url).fetch(CALTABLES, tmp_path / "out")
