"""Staged files verified where the pipeline reads them: a staged file damaged after staging fails
the run step with both checksums before the pipeline starts (issue 20)."""

from pathlib import Path

import pytest

from l2portal.files import sha256_file
from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, retry
from l2portal.registry.services import absolute_path
from tests.restore.conftest import X80E

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_staged_file_damaged_before_the_pipeline_runs_again_fails_the_run_unread(
    scientist, run_restore, monkeypatch
):
    monkeypatch.setenv("STANDIN_CASA_FAIL", "1")
    restore = run_restore(X80E, scientist)
    assert restore.state == "error"  # the first run failed: the files stay staged for a retry
    monkeypatch.delenv("STANDIN_CASA_FAIL")
    staged = restore.staged_files.filter(kind="product").select_related("product").order_by("name").first()
    path = absolute_path(staged.product)
    path.write_bytes(path.read_bytes()[: staged.product.size // 2])  # a full disk, a failed copy

    retry(restore, Actor.system("test"))
    restore.refresh_from_db()
    assert restore.state == "error"
    failure = restore.transitions.last()
    assert failure.details["failed_in"] == "running"
    assert staged.product.path in failure.reason and staged.product.sha256 in failure.reason
    assert sha256_file(path) in failure.reason and "request it again" in failure.reason
    assert LedgerEvent.objects.filter(kind="input_changed", subject_id=str(staged.product.pk)).exists()
    logs = list((Path(restore.layout_root) / "logs").glob("pipeline-*.log"))
    assert len(logs) == 1  # the pipeline was not started again
