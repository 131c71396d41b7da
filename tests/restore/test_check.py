"""The archive check: can we restore, and how? Answered before anything is downloaded."""

import sqlite3

import pytest
from celery.exceptions import Retry
from django.core import mail

from l2portal.ledger.execution import TransientError
from l2portal.registry.models import Product
from restore import selectors, tasks
from restore.models import RestoreRequest, StagedFile
from restore.science import archive
from tests.restore.conftest import X80E


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("uid", "reason"),
    [("uid://A001/X1465/X1b10", "never calibrated"), ("uid://A001/X1465/X1c10", "calibrated manually")],
)
def test_not_restorable_stops_before_any_download(scientist, run_restore, uid, reason, data_root):
    restore = run_restore(uid, scientist)
    assert restore.state == "not_restorable"
    assert restore.restorable is False and reason in restore.restorable_reason
    assert not StagedFile.objects.exists()
    assert restore.layout_root == "" and not (data_root / "restores").exists()  # nothing laid out
    assert [step["state"] for step in selectors.timeline(restore)] == ["requested", "not_restorable"]
    assert not Product.objects.exists()
    assert "Not restorable" in mail.outbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_store_is_retried_then_the_request_fails(scientist):
    # Nothing listens on the discard port.
    restore = RestoreRequest.objects.create(
        mous_uid=X80E, requested_by=scientist, product_store="http://127.0.0.1:9"
    )
    with pytest.raises(
        Retry, match=r"NGAS STATUS of .* at http://127\.0\.0\.1:9/STATUS: the connection was refused"
    ):
        tasks.check.apply(args=[restore.pk])
    restore.refresh_from_db()
    assert restore.state == "requested"  # the task tries again later
    with pytest.raises(TransientError):
        tasks.check.apply(args=[restore.pk], retries=tasks.check.max_retries)
    restore.refresh_from_db()
    assert restore.state == "error"
    reason = restore.transitions.get(to_state="error").reason
    assert reason.startswith("gave up after repeated failures: TransientError: NGAS STATUS of ")
    assert "Error" in mail.outbox[-1].subject


@pytest.fixture
def archive_with_an_empty_exec_block_id(tmp_path, settings):
    path = tmp_path / "archive.db"
    with sqlite3.connect(path) as database:
        database.executescript(archive.DEMO_ARCHIVE_SQL.read_text())
        database.execute(
            "UPDATE OBS_UNIT_SET_STATUS SET XML = replace(XML, :full, :empty) WHERE STATUS_ENTITY_ID = :mous",
            {
                "full": "<val:ExecBlockId>uid://A002/Xcf92df/X3453</val:ExecBlockId>",
                "empty": "<val:ExecBlockId/>",
                "mous": X80E,
            },
        )
    database.close()
    settings.RESTORE_ARCHIVE_URL = f"sqlite:///{path}"


@pytest.mark.django_db(transaction=True)
def test_an_ous_status_with_an_empty_exec_block_id_reaches_error_with_the_reason(
    scientist, run_restore, archive_with_an_empty_exec_block_id
):
    restore = run_restore(X80E, scientist)
    assert restore.state == "error"
    failure = restore.transitions.get(to_state="error")
    assert failure.details["failed_in"] == "requested"
    assert "archive check failed: OUSStatus session 2 has an empty ExecBlockId" in failure.reason
    assert "ask the archive to repair it" in failure.reason
    assert restore.progress_note.startswith("archive check failed")
    assert "Error" in mail.outbox[-1].subject
