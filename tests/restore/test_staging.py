"""Staging from the product store: over real HTTP (http.server in a thread), verified by size and
sha256, resumable, and refusing a wrong checksum."""

import hashlib
import io

import pytest

from l2portal.ledger.services import Actor, retry
from restore import services
from restore.productstore import ProductStore, StoreError, VerificationError, parse_checksums
from tests.restore.conftest import X80E

ACTOR = Actor.system("test")
CALTABLES = "member.uid___A001_X12a3_X80e.session_2.caltables.tgz"


def run_restore(who):
    restore = services.request_restore(X80E, who)
    restore.refresh_from_db()
    return restore


def fetched(server, name):
    return [path for path in server.requested if path.lstrip("/") == name]


@pytest.mark.django_db(transaction=True)
def test_products_are_fetched_over_http_and_verified(scientist, settings, http_store):
    settings.RESTORE_PRODUCT_STORE = http_store.url
    restore = run_restore(scientist)
    assert restore.state == "restored", restore.progress_note
    products = restore.staged_files.filter(kind="product")
    assert products.count() == 10
    # The check read the manifest and restore script (in memory) to plan; staging fetched each file.
    read_by_the_check = {
        restore.plan["restore_script"],
        "member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml",
    }
    for staged in products:
        assert len(fetched(http_store, staged.name)) == (2 if staged.name in read_by_the_check else 1)
        local = services.layout_of(restore).mous_dir / staged.relative_path
        assert staged.sha256 == staged.expected_sha256 == hashlib.sha256(local.read_bytes()).hexdigest()
        assert staged.size == staged.expected_size == local.stat().st_size
    assert restore.progress_done == restore.progress_total == 11


@pytest.mark.django_db(transaction=True)
def test_a_wrong_checksum_is_refused_and_a_retry_resumes(scientist, settings, http_store):
    settings.RESTORE_PRODUCT_STORE = http_store.url
    good = (http_store.directory / CALTABLES).read_bytes()
    (http_store.directory / CALTABLES).write_bytes(good + b"tampered")
    restore = run_restore(scientist)

    assert restore.state == "error"
    failure = restore.transitions.get(to_state="error")
    assert failure.details["failed_in"] == "checked"
    assert f"{CALTABLES}: sha256" in failure.reason and "the file was not kept" in failure.reason
    products = services.layout_of(restore).products
    assert not (products / CALTABLES).exists()
    assert not [path for path in products.iterdir() if path.name.startswith(".")]  # no partial file
    staged = restore.staged_files.get(name=CALTABLES)
    assert staged.status == "failed" and "sha256" in staged.error
    assert restore.staged_files.filter(status="verified").count() == 10

    # The store is repaired; the retry fetches only what was not verified.
    (http_store.directory / CALTABLES).write_bytes(good)
    http_store.requested.clear()
    retry(restore, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "restored", restore.progress_note
    fetched_again = [path.lstrip("/") for path in http_store.requested if not path.endswith("SHA256SUMS")]
    assert fetched_again == [CALTABLES]
    staged.refresh_from_db()
    assert staged.status == "verified" and staged.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_a_store_without_a_checksum_listing_is_an_error(scientist, settings, store_copy):
    (store_copy / "member.uid___A001_X12a3_X80e.SHA256SUMS").unlink()
    settings.RESTORE_PRODUCT_STORE = str(store_copy)
    restore = run_restore(scientist)
    assert restore.state == "error"
    assert "checksum listing" in restore.transitions.get(to_state="error").reason


@pytest.mark.django_db(transaction=True)
def test_a_missing_product_is_named(scientist, settings, store_copy):
    (store_copy / CALTABLES).unlink()
    settings.RESTORE_PRODUCT_STORE = str(store_copy)
    restore = run_restore(scientist)
    assert restore.state == "error"
    assert f"{CALTABLES} is not in the product store" in restore.transitions.get(to_state="error").reason


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


@pytest.mark.django_db
def test_an_unreachable_store_is_retried_then_the_request_fails(scientist, settings):
    from l2portal.ledger.execution import TransientError
    from restore.models import RestoreRequest

    settings.RESTORE_PRODUCT_STORE = "http://127.0.0.1:9/"  # nothing listens on the discard port
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    with pytest.raises(TransientError, match="Connection refused"):
        services.run_step(services.check, restore.pk, ACTOR, last_attempt=False)
    restore.refresh_from_db()
    assert restore.state == "requested"  # the task retries later
    with pytest.raises(TransientError):
        services.run_step(services.check, restore.pk, ACTOR, last_attempt=True)
    restore.refresh_from_db()
    assert restore.state == "error"
    assert "gave up after repeated failures: GET http://127.0.0.1:9/" in restore.transitions.get().reason


def test_build_ppr_reads_an_http_product_store(http_store, tmp_path):
    from django.core.management import call_command

    from restore.ppr import read_ppr

    output = tmp_path / "PPR.xml"
    printed = io.StringIO()
    call_command("build_ppr", X80E, "--output", str(output), "--products", http_store.url, stdout=printed)
    assert "SemiPass" in printed.getvalue()
    assert [asdm.eb_uid for asdm in read_ppr(output.read_bytes()).asdms] == ["uid://A002/Xcf92df/X3453"]
    assert "/member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml" in http_store.requested
