"""Preprocessing through the service: fetch the L1 frames, write the manifest, Invertible ->
Preprocessed; failures go to Error and an operator's retry runs the step again."""

import json

import pytest

from l2portal.ledger.models import LedgerEvent, Product
from l2portal.ledger.refusals import NotPermitted, Refused
from l2portal.ledger.services import Actor, absolute_path, retry
from l2portal.programs import services
from l2portal.programs.models import ObservingProgram
from tests.factories import SYSTEM
from tests.programs.conftest import current_visp_ids, invertible, write_sources

pytestmark = pytest.mark.django_db


def test_preprocess_fetches_frames_writes_the_manifest_and_skips_on_rerun(
    loaded, django_capture_on_commit_callbacks, operator
):
    program = invertible(0)
    sources = write_sources(program, n_frames=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_preprocess(program, Actor.of_user(operator))
    program.refresh_from_db()
    assert program.state == "preprocessed"
    assert program.progress["state"] == "done" and program.progress["files_done"] == len(sources) == 6
    manifest = json.loads(absolute_path(program.manifest).read_text())
    assert manifest["program_id"] == program.execution_id
    assert set(manifest["datasets"]) == set(current_visp_ids(program))
    assert manifest["lines"]["Fe I 630"]["frame_count"] == 2
    scratch = services.scratch_folder(program)
    assert len(list(scratch.rglob("*_L1.fits"))) == 6
    assert program.transitions.last().details["manifest"] == program.manifest.path

    # Again (an operator's "preprocess again"): complete files are skipped, the same manifest is kept.
    services.run_preprocess(program.pk, SYSTEM)
    program.refresh_from_db()
    assert program.progress["skipped"] == 6 and program.state == "preprocessed"
    assert Product.objects.filter(product_type="inversion_manifest").count() == 1


def test_preprocess_failure_goes_to_error_and_retry_runs_it_again(loaded, django_capture_on_commit_callbacks):
    program = invertible(0)
    services.run_preprocess(program.pk, SYSTEM)  # no L1 source written yet
    program.refresh_from_db()
    assert program.state == "error" and "SHA256SUMS" in program.transitions.last().reason
    write_sources(program)
    with django_capture_on_commit_callbacks(execute=True):
        retry(program, SYSTEM)
    program.refresh_from_db()
    assert program.state == "preprocessed"


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
    assert "cannot name a folder" in program.transitions.last().reason
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
