"""The NGAS-style product store: URLs, the checksum listing, verified fetches over HTTP."""

import pytest

from restore.productstore import ProductStore, StoreError, VerificationError, parse_checksums
from tests.restore.conftest import X80E

CALTABLES = "member.uid___A001_X12a3_X80e.session_2.caltables.tgz"


def test_ngas_style_urls():
    store = ProductStore("http://ngas.example.org:7777/RETRIEVE?file_id={file_id}")
    assert store.url_for("a b.tgz") == "http://ngas.example.org:7777/RETRIEVE?file_id=a%20b.tgz"
    assert ProductStore("http://host/products/").url_for("x.xml") == "http://host/products/x.xml"
    with pytest.raises(ValueError, match="path separator"):
        store.url_for("../etc/passwd")


def test_checksum_listing_format():
    listing = f"{'a' * 64}  one.tgz\n\n{'B' * 64} *two.txt\n"
    assert parse_checksums(listing, "SUMS") == {"one.tgz": "a" * 64, "two.txt": "b" * 64}
    with pytest.raises(StoreError, match="line 1"):
        parse_checksums("not a checksum line", "SUMS")


def test_fetch_over_http_verifies_the_announced_size(http_store, tmp_path):
    store = ProductStore(http_store.url)
    expected = store.checksums(X80E)[CALTABLES]
    announced = []
    result = store.fetch(CALTABLES, tmp_path / "out", expected, on_size=announced.append)
    assert announced == [result.size] and result.sha256 == expected
    with pytest.raises(VerificationError, match="not kept"):
        store.fetch(CALTABLES, tmp_path / "bad", "0" * 64)
    assert not (tmp_path / "bad").exists()
    with pytest.raises(StoreError, match="404"):
        store.read("absent.xml")
