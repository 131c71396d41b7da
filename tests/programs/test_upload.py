"""The owner uploads the inversion results: checked, registered as products, Working -> Inverted."""

import pytest

from l2portal.ledger.models import LedgerEvent, Product
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor, absolute_path
from l2portal.programs import services
from l2portal.programs.models import Inversion, ObservingProgram
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
    assert inversion.summary["n_frames"] == 3 and inversion.summary["lines"] == ["Fe I 630", "Ca II 854"]
    for product in (inversion.quantities, inversion.fit_profiles, inversion.original_profiles):
        assert product.collection.name == "L2INV" and absolute_path(product).is_file()
        assert product.produced_by.task_name.endswith("upload_inversion")
        assert working.manifest in product.produced_by.inputs.all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"commit": "not a commit"}, "is not a git commit"),
        ({"ids": []}, "tick at least one dataset"),
        ({"ids": ["NOPE"]}, "datasets not in"),
        ({"program_id": "someone_else"}, "OBSPR_ID is 'someone_else'"),
        ({"broken": True}, "not a readable FITS file"),
    ],
)
def test_bad_upload_is_refused_and_changes_nothing(working, scientist, tmp_path, change, message):
    with inversion_files(
        tmp_path, invertible(0) if "program_id" not in change else named(change["program_id"])
    ) as files:
        if change.get("broken"):
            files["quantities"] = open(tmp_path / "inv_res_mod.fits.txt", "w+b")  # noqa: SIM115
            files["quantities"].write(b"not FITS" * 100)
            files["quantities"].seek(0)
        with pytest.raises(services.UploadRefused, match=message):
            services.upload_inversion(
                working,
                Actor.of_user(scientist),
                files,
                change.get("ids", current_visp_ids(working)),
                change.get("commit", "abc1234"),
            )
    working.refresh_from_db()
    assert working.state == "working" and not Inversion.objects.exists()
    assert not Product.objects.filter(collection__name="L2INV").exists()
    assert LedgerEvent.objects.filter(kind="upload_refused", message__contains=message.split("'")[0]).exists()


def named(execution_id):
    return ObservingProgram(execution_id=execution_id)


def test_only_the_owner_uploads(working, other_scientist, tmp_path):
    with inversion_files(tmp_path, working) as files, pytest.raises(NotPermitted):
        services.upload_inversion(
            working, Actor.of_user(other_scientist), files, current_visp_ids(working), "abc1234"
        )
