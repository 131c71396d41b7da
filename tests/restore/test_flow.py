"""A restore request from the archive check to the pipeline run, with the stand-ins, tasks eager."""

import os
import sys
import threading
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from l2portal.ledger.models import LedgerEvent, Product
from l2portal.ledger.services import Actor, retry, transition
from l2portal.ledger.states import TransitionNotAllowed
from restore import services
from restore.models import RestoreRequest, StagedFile
from restore.ppr import read_ppr
from tests.conftest import wait_for
from tests.restore.conftest import X80E

pytestmark = pytest.mark.django_db(transaction=True)

ACTOR = Actor.system("test")


def request(uid, who=None) -> RestoreRequest:
    restore = services.request_restore(uid, who, actor=ACTOR if who is None else None)
    restore.refresh_from_db()
    return restore


def mous_dir(restore) -> Path:
    return services.layout_of(restore).mous_dir


def test_full_restore_with_the_stand_ins(scientist):
    restore = request(X80E, scientist)
    assert restore.state == "restored", restore.progress_note
    assert restore.restorable is True and "pipeline calibration product" in restore.restorable_reason
    # The sessions table: the SemiPass EB is listed, not in the manifest, not in the DataSet.
    rows = {row["eb_uid"]: row for row in restore.sessions_table}
    assert rows["uid://A002/Xce574d/Xa33e"]["qa0_status"] == "SemiPass"
    assert rows["uid://A002/Xce574d/Xa33e"]["in_manifest"] is False
    assert rows["uid://A002/Xcf92df/X3453"]["ppr_session"] == "session_2"
    assert any("SemiPass" in warning for warning in restore.warnings)
    # Layout, staged files, registered PPR in working/.
    root = Path(restore.layout_root)
    assert root.name == f"request-{restore.pk}"
    assert mous_dir(restore).relative_to(root).as_posix() == restore.plan["relative_path"]
    assert restore.staged_files.count() == 11
    assert set(restore.staged_files.values_list("status", flat=True)) == {"verified"}
    asdm = mous_dir(restore) / "rawdata" / "uid___A002_Xcf92df_X3453" / "ASDM.xml"
    assert asdm.is_file()
    ppr = Product.objects.get(product_type="restore_ppr")
    assert restore.ppr == ppr and ppr.collection.name == "restores"
    assert services.ppr_bytes(restore).startswith(b"<?xml")
    assert (mous_dir(restore) / "working" / ppr.filename).is_file()
    assert [asdm.eb_uid for asdm in read_ppr(services.ppr_bytes(restore)).asdms] == [
        "uid://A002/Xcf92df/X3453"
    ]
    # The pipeline ran with its environment and left its outputs and log.
    assert restore.exit_code == 0 and restore.pid is None
    names = [output["name"] for output in restore.outputs]
    assert "working/uid___A002_Xcf92df_X3453.ms" in names
    assert any(output.get("weblog") for output in restore.outputs)
    assert any(line.startswith("Terminating procedure execution") for line in services.log_tail(restore))
    assert [t.to_state for t in restore.transitions.all()] == [
        "checked",
        "staged",
        "prepared",
        "running",
        "restored",
    ]
    # The requester hears about it.
    (message,) = mail.outbox
    assert message.to == ["sci@example.org"] and "Restored" in message.subject
    assert f"/restores/{restore.pk}/" in message.body


@pytest.mark.parametrize(
    ("uid", "reason"),
    [("uid://A001/X1465/X1b10", "never calibrated"), ("uid://A001/X1465/X1c10", "calibrated manually")],
)
def test_not_restorable_stops_before_any_download(scientist, uid, reason, data_root):
    restore = request(uid, scientist)
    assert restore.state == "not_restorable"
    assert restore.restorable is False and reason in restore.restorable_reason
    assert not StagedFile.objects.exists()
    assert restore.layout_root == "" and not (data_root / "restores").exists()  # nothing laid out
    assert [step["state"] for step in services.timeline(restore)] == ["requested", "not_restorable"]
    assert not Product.objects.exists()
    assert "Not restorable" in mail.outbox[0].subject


def test_pipeline_failure_reports_the_errorexit_text_and_a_retry_restores(scientist, monkeypatch):
    monkeypatch.setenv("STANDIN_CASA_FAIL", "1")
    restore = request(X80E, scientist)
    assert restore.state == "error"
    failure = restore.transitions.get(to_state="error")
    assert failure.details["failed_in"] == "running"
    assert "exit code 1" in failure.reason and "errorexit-" in failure.reason
    assert "Unhandled error in executeppr" in failure.reason
    assert restore.exit_code == 1
    assert "Error" in mail.outbox[-1].subject and "retry" in mail.outbox[-1].body

    monkeypatch.delenv("STANDIN_CASA_FAIL")
    retry(restore, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "restored", restore.progress_note
    logs = sorted(path.name for path in (Path(restore.layout_root) / "logs").glob("pipeline-*.log"))
    assert logs == [f"pipeline-request-{restore.pk}-1.log", f"pipeline-request-{restore.pk}-2.log"]


def test_a_non_zero_exit_code_alone_is_a_failure(scientist, settings):
    settings.RESTORE_PIPELINE_COMMAND = (
        f"{sys.executable} -c 'import sys; print(\"boom\"); sys.exit(3)' {{ppr}}"
    )
    restore = request(X80E, scientist)
    assert restore.state == "error"
    assert "exit code 3" in restore.transitions.get(to_state="error").reason
    assert "boom" in "\n".join(services.log_tail(restore))


def test_the_time_limit_stops_the_pipeline(scientist, settings, monkeypatch):
    settings.RESTORE_TIME_LIMIT = 1
    monkeypatch.setenv("STANDIN_CASA_SLEEP", "60")
    restore = request(X80E, scientist)
    assert restore.state == "error"
    assert "time limit of 1 s" in restore.transitions.get(to_state="error").reason
    assert restore.pid is None


def test_export_failure_moves_the_request_to_error(scientist, settings):
    settings.RESTORE_EXPORT_COMMAND = f"{sys.executable} -c 'import sys; sys.exit(\"no such EB\")'"
    restore = request(X80E, scientist)
    assert restore.state == "error"
    reason = restore.transitions.get(to_state="error").reason
    assert "export of uid://A002/Xcf92df/X3453 failed with exit code 1: no such EB" in reason
    assert restore.staged_files.get(kind="asdm").status == "failed"
    # The products were fetched and verified all the same; a retry only redoes the export.
    assert restore.staged_files.filter(kind="product", status="verified").count() == 10


def test_export_command_placeholders(settings, scientist):
    args = services.command_line(
        "asdmExportLight -d {dest} {uid}", ["u", "d"], uid="uid://A002/X1/X2", dest="/r"
    )
    assert args == ["asdmExportLight", "-d", "/r", "uid://A002/X1/X2"]
    assert services.command_line("casa --pipeline -c runpipeline.py", ["/p/PPR.xml"], ppr="/p/PPR.xml") == [
        "casa",
        "--pipeline",
        "-c",
        "runpipeline.py",
        "/p/PPR.xml",
    ]


def test_cancel_before_the_run_stops_at_once(scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)  # its check is queued
    services.cancel(restore, Actor.of_user(scientist))
    assert restore.state == "cancelled" and restore.cancel_requested
    services.run_step(services.check, restore.pk, ACTOR)  # the queued check finds nothing to do
    restore.refresh_from_db()
    assert restore.state == "cancelled" and restore.restorable is None
    assert "Cancelled" in mail.outbox[-1].subject
    with pytest.raises(TransitionNotAllowed, match="cannot move from 'cancelled'"):
        services.cancel(restore, Actor.of_user(scientist))
    assert LedgerEvent.objects.filter(kind="transition_refused").exists()


def test_the_concurrency_cap_keeps_a_prepared_restore_waiting(scientist, settings):
    settings.RESTORE_MAX_CONCURRENT = 1
    first = request(X80E, scientist)
    assert first.state == "restored"
    # A restore occupies the only slot; the second one, prepared, waits.
    blocker = RestoreRequest.objects.create(mous_uid="uid://A001/X1284/X265f")
    for state in ("checked", "staged", "prepared", "running"):
        transition(blocker, state, ACTOR)
    waiting = RestoreRequest.objects.create(mous_uid=X80E, plan=first.plan, layout_root=first.layout_root)
    for state in ("checked", "staged"):
        transition(waiting, state, ACTOR)
    transition(waiting, "prepared", ACTOR)
    RestoreRequest.objects.filter(pk=waiting.pk).update(ppr=first.ppr)
    services.run_step(services.run, waiting.pk, ACTOR)
    waiting.refresh_from_db()
    assert waiting.state == "prepared"
    assert waiting.progress_note == "waiting for a free slot: 1 of 1 restores are running"
    # The slot comes free: the waiting restore starts.
    transition(blocker, "cancelled", ACTOR)
    services.start_waiting()
    waiting.refresh_from_db()
    assert waiting.state == "restored", waiting.progress_note


def test_cancel_stops_the_running_pipeline(scientist, settings, monkeypatch):
    settings.RESTORE_MAX_CONCURRENT = 0  # park it in Prepared
    monkeypatch.setenv("STANDIN_CASA_SLEEP", "60")
    restore = request(X80E, scientist)
    assert restore.state == "prepared"
    settings.RESTORE_MAX_CONCURRENT = 1

    def watch():
        try:
            services.run_step(services.run, restore.pk, ACTOR)
        finally:
            connection.close()  # this thread's own connection

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = wait_for(lambda: RestoreRequest.objects.filter(pk=restore.pk, pid__isnull=False).first())
    wait_for(lambda: any("Executing command" in line for line in services.log_tail(started)))
    services.cancel(started, Actor.of_user(scientist))
    assert started.state == "running"  # the watching task stops it
    watcher.join(timeout=60)
    restore.refresh_from_db()
    assert restore.state == "cancelled"
    assert "process group" in restore.transitions.get(to_state="cancelled").reason
    with pytest.raises(ProcessLookupError):
        os.killpg(started.pid, 0)


def test_steps_delivered_again_change_nothing(scientist):
    restore = request(X80E, scientist)
    for step in (services.check, services.stage, services.prepare, services.run):
        services.run_step(step, restore.pk, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "restored" and restore.transitions.count() == 5
    assert Product.objects.filter(product_type="restore_ppr").count() == 1


def test_a_redelivered_run_leaves_a_watched_pipeline_alone(scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    for state in ("checked", "staged", "prepared", "running"):
        transition(restore, state, ACTOR)
    RestoreRequest.objects.filter(pk=restore.pk).update(heartbeat_at=timezone.now())
    services.run_step(services.run, restore.pk, ACTOR)
    restore.refresh_from_db()
    assert restore.state == "running" and restore.pid is None and restore.log_path == ""
