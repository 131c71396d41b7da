"""Staging: raw ASDMs exported, products fetched from NGAS over real HTTP (the project's NGAS
server), verified by NGAS's CRC, hashed with sha256, registered as inputs; resumable; a wrong CRC
refused, a truncated body resumed, a busy server tried again later."""

import hashlib
import re
import sys

import pytest
from celery.exceptions import Retry

from l2portal.ledger.services import Actor, retry
from restore import services, tasks
from restore.models import RestoreRequest
from tests.restore.conftest import X80E

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("test")
CALTABLES = "member.uid___A001_X12a3_X80e.session_2.caltables.tgz"


def retrieved(ngas, name=None):
    return [
        entry for entry in ngas.ngas.requests if entry[0] == "RETRIEVE" and entry[1] == (name or entry[1])
    ]


def test_products_come_from_ngas_verified_by_its_crc(scientist, run_restore, ngas):
    restore = run_restore(who=scientist)
    assert restore.state == "restored", restore.progress_note
    assert restore.product_store == ngas.base_url
    products = restore.staged_files.filter(kind="product")
    assert products.count() == 10
    for staged in products:
        local = restore.layout.mous_dir / staged.relative_path
        data = local.read_bytes()
        assert staged.sha256 == hashlib.sha256(data).hexdigest() == staged.product.sha256
        assert staged.size == staged.expected_size == len(data)
        assert staged.checksum_variant == "crc32c" and staged.checksum == ngas.ngas.checksum(staged.name)
        assert staged.product.path.endswith(f"inputs/restores_request-{restore.pk}_{staged.name}")
    # The check read the manifest and script (STATUS and RETRIEVE); staging fetched every file once.
    assert len(retrieved(ngas, "member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml")) == 2
    assert len(retrieved(ngas, CALTABLES)) == 1
    assert restore.progress_done == restore.progress_total == 11


def test_a_wrong_crc_is_refused_and_a_retry_resumes(scientist, run_restore, ngas):
    ngas.ngas.inject("wrong_crc", CALTABLES)
    restore = run_restore(who=scientist)

    assert restore.state == "error"
    failure = restore.transitions.get(to_state="error")
    assert failure.details["failed_in"] == "checked"
    assert f"{CALTABLES}: crc32c" in failure.reason and "the file was not kept" in failure.reason
    products = restore.layout.products
    assert not (products / CALTABLES).exists()
    assert not [path for path in products.iterdir() if path.name.startswith(".")]  # no partial file
    staged = restore.staged_files.get(name=CALTABLES)
    assert staged.status == "failed" and "crc32c" in staged.error and staged.product is None
    assert restore.staged_files.filter(status="verified").count() == 10

    # The store answers right again; the retry fetches only what was not verified.
    ngas.ngas.requests.clear()
    retry(restore, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "restored", restore.progress_note
    assert {entry[1] for entry in retrieved(ngas)} == {CALTABLES}
    staged.refresh_from_db()
    assert staged.status == "verified" and staged.attempts == 2


def test_a_truncated_transfer_is_resumed(scientist, run_restore, ngas):
    ngas.ngas.inject("truncate", CALTABLES)
    restore = run_restore(who=scientist)
    assert restore.state == "restored", restore.progress_note
    assert len(retrieved(ngas, CALTABLES)) == 2
    staged = restore.staged_files.get(name=CALTABLES)
    assert staged.checksum == ngas.ngas.checksum(CALTABLES)


@pytest.mark.django_db  # steps started after commit do not run: each step is run here
def test_a_busy_ngas_is_tried_again_later_and_verified_files_are_kept(scientist, ngas):
    restore = RestoreRequest.objects.create(
        mous_uid=X80E, requested_by=scientist, product_store=ngas.base_url
    )
    services.run_restore_step(restore.pk, services.check, ACTOR)
    ngas.ngas.inject("busy", CALTABLES, times=4)  # longer than the client waits
    with pytest.raises(Retry, match=re.escape("is busy (503) after 4 attempts")):
        tasks.stage.apply(args=[restore.pk])
    restore.refresh_from_db()
    assert restore.state == "checked"  # the task is sent again, with backoff
    assert restore.staged_files.filter(status="verified").count() == 10
    assert restore.staged_files.get(name=CALTABLES).status == "failed"
    ngas.ngas.requests.clear()
    tasks.stage.apply(args=[restore.pk])
    restore.refresh_from_db()
    assert restore.state == "staged"
    assert {entry[1] for entry in retrieved(ngas)} == {CALTABLES}


def test_a_missing_product_is_named(scientist, run_restore, ngas, store_copy):
    (store_copy / CALTABLES).unlink()
    restore = run_restore(who=scientist)
    assert restore.state == "error"
    assert (
        f"NGAMS_ER_UNAVAIL_FILE:4019:ERROR: File with ID: {CALTABLES}"
        in restore.transitions.get(to_state="error").reason
    )


def test_a_folder_store_computes_its_crcs(scientist, run_restore, settings, store_copy):
    settings.RESTORE_PRODUCT_STORE = str(store_copy)
    restore = run_restore(who=scientist)
    assert restore.state == "restored", restore.progress_note
    assert set(restore.staged_files.filter(kind="product").values_list("checksum_variant", flat=True)) == {
        "crc32c"
    }


def test_export_failure_moves_the_request_to_error(scientist, run_restore, settings):
    settings.RESTORE_EXPORT_COMMAND = f"{sys.executable} -c 'import sys; sys.exit(\"no such EB\")'"
    restore = run_restore(who=scientist)
    assert restore.state == "error"
    reason = restore.transitions.get(to_state="error").reason
    assert "export of uid://A002/Xcf92df/X3453 failed with exit code 1: no such EB" in reason
    assert restore.staged_files.get(kind="asdm").status == "failed"
    # The products were fetched and verified all the same; a retry only redoes the export.
    assert restore.staged_files.filter(kind="product", status="verified").count() == 10
