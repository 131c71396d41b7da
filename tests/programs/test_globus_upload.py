"""Results by Globus: the owner names a collection and a folder; the files arrive checksum-verified
into scratch and go through the same checks as the form's; bad files or a failed transfer leave the
program Working, with the reason on the transfer and in the events."""

import shutil

import numpy as np
import pytest
from astropy.io import fits

from l2portal.ledger.models import LedgerEvent, TaskIntent
from l2portal.ledger.refusals import NotPermitted, Refused
from l2portal.ledger.services import Actor
from l2portal.programs import services
from l2portal.programs.models import Inversion, ObservingProgram
from l2portal.programs.standins import synthetic_frames
from l2portal.programs.standins.globus_server import GlobusServer
from tests.programs.conftest import current_visp_ids

pytestmark = pytest.mark.django_db

COLLECTION = "6c54cade-bde5-45c1-bdea-f4bd71dba2cc"


@pytest.fixture
def globus(settings, tmp_path, data_root):
    """Globus with the scientist's compute-centre collection and this site's, configured."""
    with GlobusServer(
        {COLLECTION: tmp_path / "cu-boulder", "PORTAL": data_root}, clients={"portal": "s"}
    ) as server:
        settings.PROGRAMS_TRANSFER_BACKEND = "globus"
        settings.PROGRAMS_GLOBUS_TRANSFER_URL = settings.PROGRAMS_GLOBUS_AUTH_URL = server.base_url + "/"
        settings.PROGRAMS_GLOBUS_CLIENT_ID, settings.PROGRAMS_GLOBUS_CLIENT_SECRET = "portal", "s"
        settings.PROGRAMS_GLOBUS_PORTAL_ENDPOINT = "PORTAL"
        settings.PROGRAMS_GLOBUS_POLL_SECONDS = 0.02
        yield server


def results_on_the_collection(tmp_path, program):
    return synthetic_frames.write_inversion_files(
        tmp_path / "cu-boulder" / "projects" / "op1", program.execution_id
    )


def ask(program, scientist, capture, folder="/projects/op1/"):
    with capture(execute=True):
        transfer = services.request_globus_upload(
            program, Actor.of_user(scientist), COLLECTION, folder, current_visp_ids(program), "3f9c2ab"
        )
    program.refresh_from_db()
    transfer.refresh_from_db()
    return transfer


def test_results_arrive_by_globus_and_are_registered(
    working, scientist, globus, tmp_path, django_capture_on_commit_callbacks
):
    results_on_the_collection(tmp_path, working)
    globus.service.inject_fault("checksum")
    transfer = ask(working, scientist, django_capture_on_commit_callbacks)
    assert working.state == "inverted", working.transitions.last().reason
    inversion = working.inversions.get()
    assert (inversion.arrived_by, inversion.uploaded_by, inversion.software_commit) == (
        "globus",
        scientist,
        "3f9c2ab",
    )
    assert inversion.summary["n_frames"] == 3 and working.transitions.last().actor_task.endswith(
        "fetch_inversion_results"
    )
    assert transfer.status == "succeeded" and transfer.backend == "globus" and transfer.faults == 1
    assert sorted(transfer.files.values_list("path", flat=True)) == [
        f"scratch/programs/{working.execution_id}/results/{transfer.pk}/{name}"
        for name in ("inv_res_mod.fits", "inv_res_pre.fits", "per_ori.fits")
    ]
    assert transfer.request == {
        "collection": COLLECTION,
        "folder": "/projects/op1/",
        "dataset_ids": sorted(current_visp_ids(working)),
        "software_commit": "3f9c2ab",
    }


def test_refused_results_leave_the_program_working_with_the_reason(
    working, scientist, globus, tmp_path, django_capture_on_commit_callbacks
):
    files = results_on_the_collection(tmp_path, working)
    header = fits.PrimaryHDU(np.zeros((11, 43, 3, 5), dtype=np.float32)).header
    files.quantities.write_bytes(header.tostring().encode())  # a header without its data
    transfer = ask(working, scientist, django_capture_on_commit_callbacks)
    assert working.state == "working" and not Inversion.objects.exists()
    assert transfer.status == "failed" and "inv_res_mod.fits: truncated" in transfer.error
    assert LedgerEvent.objects.filter(kind="upload_refused", subject_id=str(working.pk)).exists()

    synthetic_frames.write_inversion_files(tmp_path / "cu-boulder" / "projects" / "op1", working.execution_id)
    ask(working, scientist, django_capture_on_commit_callbacks)  # sent again, fixed
    assert working.state == "inverted"


def test_a_failed_transfer_leaves_the_program_working(
    working, scientist, globus, tmp_path, django_capture_on_commit_callbacks
):
    transfer = ask(working, scientist, django_capture_on_commit_callbacks, folder="/projects/nowhere/")
    assert working.state == "working" and transfer.status == "failed"
    assert "FILE_NOT_FOUND" in transfer.error
    assert LedgerEvent.objects.get(kind="upload_failed").message.startswith(
        f"results of {working} did not arrive"
    )


def test_the_request_is_checked_before_anything_starts(working, scientist, other_scientist, globus, tmp_path):
    actor = Actor.of_user(scientist)
    with pytest.raises(services.UploadRefused) as refused:
        services.request_globus_upload(
            working, actor, "not-a-uuid", "relative/path", current_visp_ids(working), "3f9c2ab"
        )
    assert refused.value.details["problems"] == [
        "'not-a-uuid' is not a Globus collection id (a UUID)",
        "folder 'relative/path' must be an absolute path on the collection, e.g. /projects/op1/",
    ]
    with pytest.raises(NotPermitted):
        services.request_globus_upload(
            working, Actor.of_user(other_scientist), COLLECTION, "/p/", current_visp_ids(working), "3f9c2ab"
        )
    services.request_globus_upload(working, actor, COLLECTION, "/p/", current_visp_ids(working), "3f9c2ab")
    with pytest.raises(Refused, match="are on their way by Globus; wait for them"):
        services.request_globus_upload(
            working, actor, COLLECTION, "/p/", current_visp_ids(working), "3f9c2ab"
        )
    with pytest.raises(Refused, match="on their way by Globus; wait for them"):
        services.upload_inversion(working, actor, {}, current_visp_ids(working), "3f9c2ab")


def test_without_globus_the_scientist_is_told_to_use_the_form(working, scientist, client):
    with pytest.raises(Refused, match="upload the files through the form") as refused:
        services.request_globus_upload(
            working, Actor.of_user(scientist), COLLECTION, "/p/", current_visp_ids(working), "3f9c2ab"
        )
    assert refused.value.code == "globus_not_configured" and not TaskIntent.objects.exists()
    client.force_login(scientist)
    assert "By Globus" not in client.get(f"/programs/{working.pk}/").content.decode()


def test_the_api_and_the_page_ask_for_results_by_globus(
    working, scientist, globus, tmp_path, client, django_capture_on_commit_callbacks
):
    results_on_the_collection(tmp_path, working)
    client.force_login(scientist)
    page = client.get(f"/programs/{working.pk}/").content.decode()
    assert "By Globus" in page and 'id="globus-form"' in page
    body = {"collection": COLLECTION, "folder": "/projects/op1/", "dataset_ids": current_visp_ids(working)}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/programs/{working.pk}/upload-by-globus/",
            {**body, "software_commit": "3f9c2ab"},
            content_type="application/json",
        )
    assert response.status_code == 202 and response.json()["purpose"] == "upload"
    assert ObservingProgram.objects.get(pk=working.pk).state == "inverted"
    listed = client.get(f"/api/programs/{working.pk}/transfers/").json()["results"]
    assert listed[0]["status"] == "succeeded" and listed[0]["files_done"] == 3
    files = client.get(f"/api/transfers/{listed[0]['id']}/files/").json()["results"]
    assert [f["verified_by"] for f in files] == ["globus checksum"] * 3
    shutil.rmtree(tmp_path / "cu-boulder")
