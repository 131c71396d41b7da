"""Preprocessing through the service: each L1 dataset folder transferred (local copy or Globus),
every file recorded and verified, the manifest written, Invertible -> Preprocessed; failures go
to Error with their reason and an operator's retry runs the step again."""

import json

import pytest

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted, Refused
from l2portal.ledger.services import Actor, retry
from l2portal.programs import services
from l2portal.programs.models import ObservingProgram, Transfer
from l2portal.programs.standins.globus_server import GlobusServer
from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path
from tests.factories import SYSTEM
from tests.programs.conftest import current_visp_ids, invertible, write_sources

pytestmark = pytest.mark.django_db


def test_preprocess_fetches_datasets_writes_the_manifest_and_skips_on_rerun(
    loaded, django_capture_on_commit_callbacks, operator
):
    program = invertible(0)
    sources = write_sources(program, n_steps=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_preprocess(program, Actor.of_user(operator))
    program.refresh_from_db()
    assert program.state == "preprocessed"
    transfer = program.transfers.get()
    assert (transfer.purpose, transfer.status, transfer.backend) == ("fetch", "succeeded", "local")
    assert transfer.files_done == len(sources) == 24 and transfer.files_skipped == 0
    assert transfer.requested_by == operator
    files = list(transfer.files.all())
    assert len(files) == 24 and all(f.verified_by == "sha256" and len(f.sha256) == 64 for f in files)
    manifest = json.loads(absolute_path(program.manifest).read_text())
    assert manifest["program_id"] == program.execution_id
    assert set(manifest["datasets"]) == set(current_visp_ids(program))
    assert manifest["lines"]["Fe I 630"]["frame_count"] == 8
    scratch = services.scratch_folder(program)
    assert len(list(scratch.rglob("*_L1.fits"))) == 24
    assert program.transitions.last().details["manifest"] == program.manifest.path

    # Again (an operator's "preprocess again"): identical files are skipped, the same manifest kept.
    services.run_preprocess(program.pk, SYSTEM)
    again = program.transfers.first()
    assert again.pk != transfer.pk and again.files_skipped == 24 and again.status == "succeeded"
    assert Product.objects.filter(product_type="inversion_manifest").count() == 1


def test_preprocess_through_globus(loaded, settings, tmp_path, data_root):
    program = invertible(0)
    settings.PROGRAMS_L1_SOURCE = str(tmp_path / "dkist-l1")
    write_sources(program)
    with GlobusServer(
        {"DKIST-L1": tmp_path / "dkist-l1", "PORTAL": data_root}, clients={"portal": "secret"}
    ) as globus:
        settings.PROGRAMS_TRANSFER_BACKEND = "globus"
        settings.PROGRAMS_GLOBUS_TRANSFER_URL = settings.PROGRAMS_GLOBUS_AUTH_URL = globus.base_url + "/"
        settings.PROGRAMS_GLOBUS_CLIENT_ID, settings.PROGRAMS_GLOBUS_CLIENT_SECRET = "portal", "secret"
        settings.PROGRAMS_GLOBUS_L1_ENDPOINT, settings.PROGRAMS_GLOBUS_PORTAL_ENDPOINT = "DKIST-L1", "PORTAL"
        settings.PROGRAMS_L1_SOURCE = "/"
        settings.PROGRAMS_GLOBUS_POLL_SECONDS = 0.02
        globus.service.inject_fault("checksum")
        services.run_preprocess(program.pk, SYSTEM)
    program.refresh_from_db()
    assert program.state == "preprocessed", program.transitions.last().reason
    transfer = program.transfers.get()
    assert transfer.backend == "globus" and transfer.task_id and transfer.faults == 1
    assert transfer.events[0]["code"] == "VERIFY_CHECKSUM"
    [faulted] = transfer.files.exclude(faults=[])
    assert faulted.faults == ["VERIFY_CHECKSUM: checksum verification failed"]
    assert transfer.files.count() == 36 and set(transfer.files.values_list("verified_by", flat=True)) == {
        "globus checksum"
    }
    assert len(list(services.scratch_folder(program).rglob("*_L1.fits"))) == 36


def test_preprocess_failure_goes_to_error_with_its_reason_and_retry_runs_it_again(
    loaded, django_capture_on_commit_callbacks
):
    program = invertible(0)
    services.run_preprocess(program.pk, SYSTEM)  # no L1 source written yet
    program.refresh_from_db()
    reason = program.transitions.last().reason
    assert (
        program.state == "error"
        and reason.startswith("preprocessing failed: cannot copy")
        and "no such folder" in reason
    )
    failed = program.transfers.get()
    assert failed.status == "failed" and failed.error in reason
    write_sources(program)
    with django_capture_on_commit_callbacks(execute=True):
        retry(program, SYSTEM)
    program.refresh_from_db()
    assert program.state == "preprocessed" and program.transfers.filter(status="succeeded").count() == 1


def test_preprocess_refuses_a_dataset_id_that_would_leave_the_folders(loaded):
    program = invertible(0)
    first = (
        program.datasets.filter(superseded=False, instrument_name__iexact="VISP")
        .order_by("dataset_id")
        .first()
    )
    program.datasets.filter(pk=first.pk).update(dataset_id="../../etc")
    services.run_preprocess(program.pk, SYSTEM)
    program.refresh_from_db()
    assert program.state == "error"
    assert "must be relative and stay inside its folder" in program.transitions.last().reason
    assert not any(services.scratch_folder(program).rglob("*.fits"))


def test_preprocess_is_for_operators_and_invertible_programs(loaded, scientist, operator):
    with pytest.raises(NotPermitted):
        services.request_preprocess(invertible(0), Actor.of_user(scientist))
    not_invertible = ObservingProgram.objects.filter(state="not_invertible").first()
    with pytest.raises(Refused, match="needs Invertible"):
        services.request_preprocess(not_invertible, Actor.of_user(operator))
    # The role refusal has the ledger's standard code, the state refusal the app's.
    refusals = LedgerEvent.objects.filter(kind__in=("action_refused", "not_permitted"))
    assert sorted(refusals.values_list("kind", flat=True)) == ["action_refused", "not_permitted"]
    assert not Transfer.objects.exists()
