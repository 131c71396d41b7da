"""The owner uploads the inversion results through the form: received within their limits, checked
in full, registered as products, Working -> Inverted; anything wrong is refused and changes nothing."""

import gzip
import io

import numpy as np
import pytest
from astropy.io import fits

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from l2portal.programs import services
from l2portal.programs.models import Inversion, ObservingProgram
from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path
from tests.programs.conftest import current_visp_ids, inversion_files, invertible

pytestmark = pytest.mark.django_db


def test_upload_registers_products_and_moves_to_inverted(working, scientist, tmp_path):
    ids = current_visp_ids(working)
    with inversion_files(tmp_path, working) as files:
        inversion = services.upload_inversion(working, Actor.of_user(scientist), files, ids[:2], "3F9C2AB")
    working.refresh_from_db()
    assert working.state == "inverted"
    assert inversion.software_commit == "3f9c2ab" and sorted(
        d.dataset_id for d in inversion.datasets.all()
    ) == sorted(ids[:2])
    assert inversion.inversion_id.startswith("inv.") and len(inversion.inversion_id) == 10
    assert inversion.arrived_by == "form" and inversion.uploaded_by == scientist
    assert inversion.summary["n_frames"] == 3 and inversion.summary["lines"] == ["Fe I 630", "Ca II 854"]
    assert (inversion.summary["pixels_per_bin"], inversion.summary["fiducial_arm"]) == (4, 1)
    for product in (inversion.quantities, inversion.fit_profiles, inversion.original_profiles):
        assert product.collection.name == "L2INV" and absolute_path(product).is_file()
        assert product.produced_by.task_name.endswith("register_inversion")
        assert working.manifest in product.produced_by.inputs.all()
    assert working.transitions.last().reason == f"results received by form: {inversion.inversion_id}"


def test_gzip_compressed_results_are_accepted(working, scientist, tmp_path):
    with inversion_files(tmp_path, working) as files:
        packed = {kind: io.BytesIO(gzip.compress(handle.read())) for kind, handle in files.items()}
    inversion = services.upload_inversion(
        working, Actor.of_user(scientist), packed, current_visp_ids(working), "abc1234"
    )
    with fits.open(absolute_path(inversion.quantities)) as hdus:
        assert hdus[0].data.shape == (11, 43, 3, 5)


def refused_without_change(program, scientist, files, message, ids=None, commit="abc1234"):
    with pytest.raises(services.UploadRefused, match=message) as refused:
        services.upload_inversion(
            program,
            Actor.of_user(scientist),
            files,
            current_visp_ids(program) if ids is None else ids,
            commit,
        )
    program.refresh_from_db()
    assert program.state == "working" and not Inversion.objects.exists()
    assert not Product.objects.filter(collection__name="L2INV").exists()
    assert LedgerEvent.objects.filter(kind="upload_refused", subject_id=str(program.pk)).exists()
    return refused.value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"commit": "not a commit"}, "is not a git commit"),
        ({"ids": []}, "tick at least one dataset"),
        ({"ids": ["NOPE"]}, "datasets not in"),
        ({"program_id": "someone_else"}, "OBSPR_ID is 'someone_else'"),
    ],
)
def test_bad_upload_is_refused_and_changes_nothing(working, scientist, tmp_path, change, message):
    program_id = change.get("program_id", working.execution_id)
    with inversion_files(tmp_path, ObservingProgram(execution_id=program_id)) as files:
        refused_without_change(
            working, scientist, files, message, change.get("ids"), change.get("commit", "abc1234")
        )


def test_a_header_only_file_is_refused_with_400(working, scientist, tmp_path, client):
    """The probe of issue 15: 2,880 bytes, a valid 4-D header, no data (was accepted with 201)."""
    header = fits.PrimaryHDU(np.zeros((11, 43, 3, 5), dtype=np.float32)).header
    with inversion_files(tmp_path, working) as files:
        files["quantities"] = io.BytesIO(header.tostring().encode())
        error = refused_without_change(working, scientist, files, "truncated: its header announces")
    assert (
        error.http_status == 400 and "inverted quantities file inv_res_mod.fits: truncated" in error.message
    )
    client.force_login(scientist)
    with inversion_files(tmp_path / "api", working) as files:
        payload = {
            **files,
            "quantities": io.BytesIO(header.tostring().encode()),
            "dataset_ids": current_visp_ids(working),
        }
        response = client.post(
            f"/api/programs/{working.pk}/upload/", {**payload, "software_commit": "abc1234"}
        )
    assert response.status_code == 400 and response.json()["code"] == "upload_refused"
    assert any("truncated" in problem for problem in response.json()["details"]["problems"])
    assert ObservingProgram.objects.get(pk=working.pk).state == "working"


def test_a_gzip_bomb_is_refused_from_its_header(working, scientist, tmp_path, settings):
    settings.PROGRAMS_FORM_UPLOAD_MAX_BYTES = 50 * 1000 * 1000
    header = fits.PrimaryHDU(np.zeros((11, 100, 512, 1000), dtype=np.float32)).header.tostring().encode()
    bomb = gzip.compress(header) + gzip.compress(b"\0" * 1000 * 1000) * 200
    with inversion_files(tmp_path, working) as files:
        files["quantities"] = io.BytesIO(bomb)
        error = refused_without_change(working, scientist, files, "unpacks to more than the 50.0 MB")
    assert "its header announces 2,252.8 MB" in error.message


def test_a_file_over_the_form_limit_is_refused_before_it_is_read(working, scientist, tmp_path, settings):
    settings.PROGRAMS_FORM_UPLOAD_MAX_BYTES = 10_000
    with inversion_files(tmp_path, working) as files:
        error = refused_without_change(
            working, scientist, files, "over the form's limit; send it by Globus|larger than"
        )
    assert len(error.details["problems"]) == 3


def test_only_the_owner_uploads(working, other_scientist, tmp_path):
    with inversion_files(tmp_path, working) as files, pytest.raises(NotPermitted):
        services.upload_inversion(
            working, Actor.of_user(other_scientist), files, current_visp_ids(working), "abc1234"
        )
    assert invertible(0).state == "working"
