"""Requesting a restore: who may, what a request must name, duplicates caught, the PPR route
forced, and a whole restore with the stand-ins (tasks run in place, so the request runs every step)."""

from pathlib import Path

import pytest
from django.core import mail

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor, transition
from l2portal.registry.models import Product
from restore import selectors, services
from restore.models import RestoreRequest
from restore.science.ppr import read_ppr
from restore.science.restorescript import parse_restore_script
from tests.restore.conftest import X80E

SYSTEM = Actor.system("test")


@pytest.mark.django_db(transaction=True)
def test_full_restore_with_the_stand_ins_takes_the_restore_script_route(scientist, run_restore):
    restore = run_restore(X80E, scientist)
    assert restore.state == "restored", restore.progress_note
    assert restore.restorable is True and "pipeline calibration product" in restore.restorable_reason
    assert restore.plan["route"] == "script" and "fixsyscaltimes (line 6)" in restore.plan["route_reason"]
    assert "script route" in restore.transitions.get(to_state="checked").reason
    # The sessions table: the SemiPass EB is listed, not in the manifest, not restored.
    rows = {row["eb_uid"]: row for row in restore.sessions_table}
    assert rows["uid://A002/Xce574d/Xa33e"]["qa0_status"] == "SemiPass"
    assert rows["uid://A002/Xce574d/Xa33e"]["in_manifest"] is False
    assert rows["uid://A002/Xcf92df/X3453"]["ppr_session"] == "session_2"
    assert any("SemiPass" in warning for warning in restore.warnings)
    # Layout, staged files (verified by CRC, registered as inputs), the generated script in working/.
    mous_dir = restore.layout.mous_dir
    root = Path(restore.layout_root)
    assert root.name == f"request-{restore.pk}"
    assert mous_dir.relative_to(root).as_posix() == restore.plan["relative_path"]
    assert restore.staged_files.count() == 11
    assert set(restore.staged_files.values_list("status", flat=True)) == {"verified"}
    products = restore.staged_files.filter(kind="product")
    assert all(
        staged.checksum and staged.checksum_variant == "crc32c" and staged.product for staged in products
    )
    assert (mous_dir / "rawdata" / "uid___A002_Xcf92df_X3453" / "ASDM.xml").is_file()
    assert restore.ppr is None and restore.restore_script.product_type == "restore_restore_script"
    script = restore.restore_script
    assert (mous_dir / "working" / script.filename).is_file() and script.collection.name == "restores"
    calls = parse_restore_script(selectors.file_bytes(script).decode()).calls
    assert [call.name for call in calls][:3] == ["h_init", "hifa_importdata", "fixsyscaltimes"]
    # The pipeline ran, left its outputs (registered) and log.
    assert restore.exit_code == 0 and restore.pid is None
    assert {product.product_type for product in restore.output_products.all()} >= {
        "restore_ms_listing",
        "restore_weblog",
        "restore_log",
    }
    assert any("fixsyscaltimes: SYSCAL times" in line for line in selectors.log_tail(restore))
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


@pytest.mark.django_db(transaction=True)
def test_an_operator_forces_the_ppr_route_and_it_is_recorded(operator, run_restore):
    restore = run_restore(X80E, operator, force_ppr=True)
    assert restore.state == "restored", restore.progress_note
    assert restore.force_ppr and restore.plan["route"] == "ppr" and restore.plan["forced_ppr"]
    assert [call["name"] for call in restore.plan["left_out"]] == ["fixsyscaltimes"]
    assert [name for name, _ in read_ppr(selectors.file_bytes(restore.ppr)).commands] == [
        "hifa_importdata",
        "hifa_restoredata",
    ]
    event = LedgerEvent.objects.get(kind="restore_ppr_route_forced")
    assert event.actor == "operator" and event.subject_id == str(restore.pk)


@pytest.mark.django_db
def test_scientists_may_not_force_the_route(scientist):
    with pytest.raises(NotPermitted, match="force the PPR route"):
        services.request_restore(X80E, Actor.of_user(scientist), force_ppr=True)
    assert not RestoreRequest.objects.exists()


@pytest.mark.django_db
def test_a_restore_in_progress_is_not_started_twice(scientist, other_scientist):
    first = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist, software=services.software())
    with pytest.raises(
        services.RestoreDuplicate, match=f"already being restored as #{first.pk} \\(Requested"
    ) as refused:
        services.request_restore(X80E, Actor.of_user(other_scientist))
    assert refused.value.http_status == 409 and refused.value.code == "restore_duplicate"
    assert refused.value.details == {
        "existing": first.pk,
        "state": "requested",
        "url": f"/api/restores/{first.pk}/",
        "page": f"/restores/{first.pk}/",
    }
    assert RestoreRequest.objects.count() == 1
    assert LedgerEvent.objects.get(kind="restore_duplicate").actor == "marie"


@pytest.mark.django_db
def test_a_restored_mous_is_a_duplicate_only_with_the_same_route_and_software(scientist, operator, settings):
    done = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist, software=services.software())
    for state in ("checked", "staged", "prepared", "running", "restored"):
        transition(done, state, SYSTEM)
    with pytest.raises(services.RestoreDuplicate, match=f"already restored as #{done.pk}, 0.minutes ago"):
        services.request_restore(X80E, Actor.of_user(scientist))
    settings.RESTORE_PIPELINE_COMMAND = "casa --nogui --pipeline -c runpipeline.py"  # other software
    other_software = RestoreRequest.objects.filter(pk__gt=done.pk)
    services.request_restore(X80E, Actor.of_user(scientist))
    assert other_software.count() == 1


@pytest.mark.django_db(transaction=True)
def test_asking_again_restores_again_and_is_recorded(scientist, run_restore):
    first = run_restore(X80E, scientist)
    with pytest.raises(services.RestoreDuplicate):
        run_restore(X80E, scientist)
    again = run_restore(X80E, scientist, again=True)
    assert again.pk != first.pk and again.state == "restored", again.progress_note
    event = LedgerEvent.objects.get(kind="restore_requested_again")
    assert event.details["existing"] == first.pk and event.subject_id == str(again.pk)
    # Each restore has its own products; the inputs are registered per request.
    assert (
        Product.objects.filter(product_type="restore_input", metadata__restore_request=again.pk).count() == 10
    )


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
