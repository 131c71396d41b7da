"""Publishing: Level 2 frames and the ASDF dataset file written, transferred to the bucket at
<bucket>/<proposalId>/<inversionId>/, then the inversion registered with the metadata store;
failures go to Error with their reason and a retry resumes without copying anything twice."""

import pytest
from astropy.io import fits

from l2portal.files import sha256_file
from l2portal.ledger.refusals import NotPermitted, Refused
from l2portal.ledger.services import Actor, retry
from l2portal.programs import services
from l2portal.programs.standins.globus_server import GlobusServer
from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path
from tests.factories import SYSTEM
from tests.programs.conftest import current_visp_ids
from tests.programs.dkist_load import assert_dkist_loads

pytestmark = pytest.mark.django_db


def publish(program, operator, capture):
    with capture(execute=True):
        services.request_publish(program, Actor.of_user(operator))
    program.refresh_from_db()
    return program


def bucket_folder(data_root, inversion):
    return data_root / "object-store" / "data" / inversion.program.proposal_id / inversion.inversion_id


def test_publish_writes_frames_and_asdf_puts_them_in_the_bucket_and_tells_the_store(
    inverted, operator, store, data_root, django_capture_on_commit_callbacks
):
    publish(inverted, operator, django_capture_on_commit_callbacks)
    assert inverted.state == "published", inverted.transitions.last().reason
    inversion = inverted.inversions.get()
    [mutation] = store.mutations
    assert inversion.store_answer["inversionId"] == inversion.inversion_id == mutation["inversionId"]
    assert mutation["datasetIds"] == sorted(current_visp_ids(inverted))
    assert mutation["bucket"] == inversion.bucket == "data"
    name = inversion.inversion_id.upper().replace(".", "_")
    assert (
        mutation["asdfObjectKey"]
        == f"{inverted.proposal_id}/{inversion.inversion_id}/{name}_L2_metadata.asdf"
    )
    assert mutation["primaryProposalId"] == inverted.proposal_id and mutation["spectralLines"] == [
        "Fe I 630",
        "Ca II 854",
    ]

    frames = list(Product.objects.filter(product_type="level2_frame").order_by("path"))
    assert len(frames) == 3 and frames[0].collection.name == "L2"
    assert frames[0].path.startswith(f"L2/{inverted.proposal_id}/{inversion.inversion_id}/{name}_2022_")
    with fits.open(absolute_path(frames[0])) as hdus:
        assert (
            hdus[0].header["DSETID"] == inversion.inversion_id
            and hdus[0].header["OBSPR_ID"] == inverted.execution_id
        )
        assert (
            hdus["Magnetic Field Strength"].header["BUNIT"] == "T"
            and hdus["Magnetic Field Strength"].data.max() < 0.3
        )
    assert inversion.asdf.product_type == "level2_asdf" and inversion.asdf.collection.name == "L2"

    bucket = bucket_folder(data_root, inversion)
    in_bucket = sorted(p.name for p in bucket.iterdir())
    assert in_bucket == sorted(absolute_path(p).name for p in [*frames, inversion.asdf])
    # As the field reads it: the DKIST user tools load the bucket's copy with its frames.
    published = assert_dkist_loads(
        bucket / absolute_path(inversion.asdf).name, [bucket / absolute_path(f).name for f in frames]
    )
    assert published.meta["inventory"]["asdfObjectKey"] == mutation["asdfObjectKey"]
    assert all(sha256_file(bucket / absolute_path(p).name) == p.sha256 for p in frames)
    transfer = inverted.transfers.get(purpose="publish")
    assert transfer.status == "succeeded" and transfer.files.count() == 4 and transfer.files_skipped == 0
    assert (
        f"in bucket data/{inverted.proposal_id}/{inversion.inversion_id}/"
        in inverted.transitions.last().reason
    )


@pytest.mark.parametrize("fault", ["graphql_error", "http_500"])
def test_a_store_failure_goes_to_error_and_retry_publishes_without_copying_again(
    inverted, operator, store, django_capture_on_commit_callbacks, fault
):
    store.inject_fault(fault)
    publish(inverted, operator, django_capture_on_commit_callbacks)
    assert inverted.state == "error" and "the metadata store refused it" in inverted.transitions.last().reason
    assert store.mutations == []
    with django_capture_on_commit_callbacks(execute=True):
        retry(inverted, SYSTEM)
    inverted.refresh_from_db()
    assert inverted.state == "published" and len(store.mutations) == 1
    assert Product.objects.filter(product_type="level2_frame").count() == 3  # the first attempt's reused
    second = inverted.transfers.filter(purpose="publish").first()
    assert second.files_skipped == 4 and second.bytes_done == 0  # nothing copied twice


def test_a_publish_that_fails_half_way_resumes_where_it_stopped(
    inverted, operator, store, data_root, django_capture_on_commit_callbacks
):
    inversion = inverted.inversions.get()
    name = inversion.inversion_id.upper().replace(".", "_")
    blocker = bucket_folder(data_root, inversion) / f"{name}_2022_06_02T17_20_08_L2.fits"  # the 3rd frame
    blocker.mkdir(parents=True)
    publish(inverted, operator, django_capture_on_commit_callbacks)
    reason = inverted.transitions.last().reason
    assert (
        inverted.state == "error"
        and reason.startswith("publishing failed: cannot copy")
        and blocker.name in reason
    )
    copied = {p.name: p.stat().st_mtime_ns for p in blocker.parent.iterdir() if p.is_file()}
    assert len(copied) == 2 and store.mutations == []

    blocker.rmdir()
    with django_capture_on_commit_callbacks(execute=True):
        retry(inverted, SYSTEM)
    inverted.refresh_from_db()
    assert inverted.state == "published" and len(store.mutations) == 1
    resumed = inverted.transfers.filter(purpose="publish", status="succeeded").get()
    assert sorted(f.skipped for f in resumed.files.all()) == [False, False, True, True]
    assert all(p.stat().st_mtime_ns == copied[p.name] for p in blocker.parent.iterdir() if p.name in copied)


def test_publish_through_globus_resumes_a_failed_task(
    inverted, operator, store, settings, tmp_path, data_root, django_capture_on_commit_callbacks
):
    with GlobusServer(
        {"PORTAL": data_root, "BUCKETS": tmp_path / "dkist-buckets"}, clients={"portal": "s"}
    ) as globus:
        settings.PROGRAMS_TRANSFER_BACKEND = "globus"
        settings.PROGRAMS_GLOBUS_TRANSFER_URL = settings.PROGRAMS_GLOBUS_AUTH_URL = globus.base_url + "/"
        settings.PROGRAMS_GLOBUS_CLIENT_ID, settings.PROGRAMS_GLOBUS_CLIENT_SECRET = "portal", "s"
        settings.PROGRAMS_GLOBUS_PORTAL_ENDPOINT, settings.PROGRAMS_GLOBUS_PUBLISH_ENDPOINT = (
            "PORTAL",
            "BUCKETS",
        )
        settings.PROGRAMS_GLOBUS_POLL_SECONDS = 0.02
        globus.service.inject_fault("fail_after=1")
        publish(inverted, operator, django_capture_on_commit_callbacks)
        assert inverted.state == "error" and "ENDPOINT_ERROR" in inverted.transitions.last().reason
        with django_capture_on_commit_callbacks(execute=True):
            retry(inverted, SYSTEM)
    inverted.refresh_from_db()
    assert inverted.state == "published"
    inversion = inverted.inversions.get()
    bucket = tmp_path / "dkist-buckets" / "data" / inverted.proposal_id / inversion.inversion_id
    assert len(list(bucket.iterdir())) == 4
    resumed = inverted.transfers.filter(purpose="publish", status="succeeded").get()
    assert resumed.backend == "globus" and resumed.files_skipped == 1 and resumed.files.count() == 4
    assert {f.size for f in resumed.files.all()} != {None}  # sizes seen on this site's side


def test_publish_says_what_to_set_without_a_store_and_is_for_operators(
    inverted, operator, scientist, settings
):
    settings.METADATA_STORE_URL = None
    with pytest.raises(Refused, match="set METADATA_STORE_URL") as refused:
        services.request_publish(inverted, Actor.of_user(operator))
    assert refused.value.code == "no_metadata_store"
    settings.METADATA_STORE_URL = "http://127.0.0.1:9/graphql"
    with pytest.raises(NotPermitted):
        services.request_publish(inverted, Actor.of_user(scientist))
