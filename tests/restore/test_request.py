"""Requesting a restore: who may, what a request must name, and a whole restore with the stand-ins
(tasks run in place, so the request runs every step)."""

from pathlib import Path

import pytest
from django.core import mail

from l2portal.ledger.models import LedgerEvent, Product
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from restore import selectors, services
from restore.models import RestoreRequest
from restore.ppr import read_ppr
from tests.restore.conftest import X80E


@pytest.mark.django_db(transaction=True)
def test_full_restore_with_the_stand_ins(scientist, run_restore):
    restore = run_restore(X80E, scientist)
    assert restore.state == "restored", restore.progress_note
    assert restore.restorable is True and "pipeline calibration product" in restore.restorable_reason
    # The sessions table: the SemiPass EB is listed, not in the manifest, not in the DataSet.
    rows = {row["eb_uid"]: row for row in restore.sessions_table}
    assert rows["uid://A002/Xce574d/Xa33e"]["qa0_status"] == "SemiPass"
    assert rows["uid://A002/Xce574d/Xa33e"]["in_manifest"] is False
    assert rows["uid://A002/Xcf92df/X3453"]["ppr_session"] == "session_2"
    assert any("SemiPass" in warning for warning in restore.warnings)
    # Layout, staged files, registered PPR in working/.
    mous_dir = selectors.layout_of(restore).mous_dir
    root = Path(restore.layout_root)
    assert root.name == f"request-{restore.pk}"
    assert mous_dir.relative_to(root).as_posix() == restore.plan["relative_path"]
    assert restore.staged_files.count() == 11
    assert set(restore.staged_files.values_list("status", flat=True)) == {"verified"}
    asdm = mous_dir / "rawdata" / "uid___A002_Xcf92df_X3453" / "ASDM.xml"
    assert asdm.is_file()
    ppr = Product.objects.get(product_type="restore_ppr")
    assert restore.ppr == ppr and ppr.collection.name == "restores"
    assert selectors.ppr_bytes(restore).startswith(b"<?xml")
    assert (mous_dir / "working" / ppr.filename).is_file()
    assert [asdm.eb_uid for asdm in read_ppr(selectors.ppr_bytes(restore)).asdms] == [
        "uid://A002/Xcf92df/X3453"
    ]
    # The pipeline ran with its environment and left its outputs and log.
    assert restore.exit_code == 0 and restore.pid is None
    names = [output["name"] for output in restore.outputs]
    assert "working/uid___A002_Xcf92df_X3453.ms" in names
    assert any(output.get("weblog") for output in restore.outputs)
    assert any(line.startswith("Terminating procedure execution") for line in selectors.log_tail(restore))
    assert [t.to_state for t in restore.transitions.all()] == [
        "checked",
        "staged",
        "prepared",
        "running",
        "restored",
    ]
    # The requester hears about it.
    (message,) = mail.outbox
    assert message.to == ["scientist@example.org"] and "Restored" in message.subject
    assert f"/restores/{restore.pk}/" in message.body


@pytest.mark.django_db
def test_a_malformed_uid_is_refused_and_recorded(scientist):
    with pytest.raises(services.RestoreRefused, match="is not a member OUS uid") as refused:
        services.request_restore("uid://A001/X12a3; DROP TABLE", Actor.of_user(scientist))
    assert refused.value.http_status == 400 and refused.value.code == "restore_refused"
    assert not RestoreRequest.objects.exists()
    event = LedgerEvent.objects.get(kind="restore_refused")
    assert event.actor == "scientist" and event.details == {"mous_uid": "uid://A001/X12a3; DROP TABLE"}


@pytest.mark.django_db
def test_only_operators_and_scientists_request_restores(fssc):
    with pytest.raises(NotPermitted, match="only operators or scientists may request restores"):
        services.request_restore(X80E, Actor.of_user(fssc))
    assert not RestoreRequest.objects.exists()
    assert LedgerEvent.objects.get(kind="not_permitted").actor == "fssc"
