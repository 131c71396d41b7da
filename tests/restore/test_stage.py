"""Staging: raw ASDMs exported, products fetched from the store (over real HTTP, http.server in a
thread), verified by size and sha256, resumable, refusing a wrong checksum."""

import hashlib
import sys

import pytest

from l2portal.ledger.services import Actor, retry
from restore import selectors

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("test")
CALTABLES = "member.uid___A001_X12a3_X80e.session_2.caltables.tgz"


def fetched(server, name):
    return [path for path in server.requested if path.lstrip("/") == name]


def test_products_are_fetched_over_http_and_verified(scientist, run_restore, settings, http_store):
    settings.RESTORE_PRODUCT_STORE = http_store.url
    restore = run_restore(who=scientist)
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
        local = selectors.layout_of(restore).mous_dir / staged.relative_path
        assert staged.sha256 == staged.expected_sha256 == hashlib.sha256(local.read_bytes()).hexdigest()
        assert staged.size == staged.expected_size == local.stat().st_size
    assert restore.progress_done == restore.progress_total == 11


def test_a_wrong_checksum_is_refused_and_a_retry_resumes(scientist, run_restore, settings, http_store):
    settings.RESTORE_PRODUCT_STORE = http_store.url
    good = (http_store.directory / CALTABLES).read_bytes()
    (http_store.directory / CALTABLES).write_bytes(good + b"tampered")
    restore = run_restore(who=scientist)

    assert restore.state == "error"
    failure = restore.transitions.get(to_state="error")
    assert failure.details["failed_in"] == "checked"
    assert f"{CALTABLES}: sha256" in failure.reason and "the file was not kept" in failure.reason
    products = selectors.layout_of(restore).products
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


def test_a_store_without_a_checksum_listing_is_an_error(scientist, run_restore, settings, store_copy):
    (store_copy / "member.uid___A001_X12a3_X80e.SHA256SUMS").unlink()
    settings.RESTORE_PRODUCT_STORE = str(store_copy)
    restore = run_restore(who=scientist)
    assert restore.state == "error"
    assert "checksum listing" in restore.transitions.get(to_state="error").reason


def test_a_missing_product_is_named(scientist, run_restore, settings, store_copy):
    (store_copy / CALTABLES).unlink()
    settings.RESTORE_PRODUCT_STORE = str(store_copy)
    restore = run_restore(who=scientist)
    assert restore.state == "error"
    assert f"{CALTABLES} is not in the product store" in restore.transitions.get(to_state="error").reason


def test_export_failure_moves_the_request_to_error(scientist, run_restore, settings):
    settings.RESTORE_EXPORT_COMMAND = f"{sys.executable} -c 'import sys; sys.exit(\"no such EB\")'"
    restore = run_restore(who=scientist)
    assert restore.state == "error"
    reason = restore.transitions.get(to_state="error").reason
    assert "export of uid://A002/Xcf92df/X3453 failed with exit code 1: no such EB" in reason
    assert restore.staged_files.get(kind="asdm").status == "failed"
    # The products were fetched and verified all the same; a retry only redoes the export.
    assert restore.staged_files.filter(kind="product", status="verified").count() == 10
