"""Publishing: Level 2 products written, the inversion registered with the metadata store;
failures go to Error and an operator's retry publishes."""

import pytest
from astropy.io import fits

from l2portal.ledger.models import Product
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor, absolute_path, retry
from l2portal.programs import services
from l2portal.programs.metadata_server import MetadataServer
from tests.factories import SYSTEM
from tests.programs.conftest import current_visp_ids

pytestmark = pytest.mark.django_db


def test_publish_writes_level2_products_and_tells_the_store(
    inverted, operator, settings, django_capture_on_commit_callbacks
):
    with MetadataServer() as store:
        settings.METADATA_STORE_URL = store.url
        with django_capture_on_commit_callbacks(execute=True):
            services.request_publish(inverted, Actor.of_user(operator))
        [mutation] = store.mutations
    inverted.refresh_from_db()
    assert inverted.state == "published"
    inversion = inverted.inversions.get()
    assert inversion.store_answer["inversionId"] == inversion.inversion_id == mutation["inversionId"]
    assert mutation["datasetIds"] == sorted(current_visp_ids(inverted))
    assert mutation["primaryProposalId"] == inverted.proposal_id and mutation["spectralLines"] == [
        "Fe I 630",
        "Ca II 854",
    ]
    frames = Product.objects.filter(product_type="level2_frame").order_by("path")
    assert frames.count() == 3 and frames[0].collection.name == "L2"
    header = fits.getheader(absolute_path(frames[0]))
    assert header["OBSPR_ID"] == inverted.execution_id and header["SWCOMMIT"] == "3f9c2ab"
    assert header["DSETIDS"].split(",") == mutation["datasetIds"]


@pytest.mark.parametrize("fault", ["graphql_error", "http_500"])
def test_publish_failure_goes_to_error_and_retry_publishes(
    inverted, operator, settings, django_capture_on_commit_callbacks, fault
):
    with MetadataServer() as store:
        settings.METADATA_STORE_URL = store.url
        store.inject_fault(fault)
        with django_capture_on_commit_callbacks(execute=True):
            services.request_publish(inverted, Actor.of_user(operator))
        inverted.refresh_from_db()
        assert inverted.state == "error" and "publishing failed" in inverted.transitions.last().reason
        assert store.mutations == []
        with django_capture_on_commit_callbacks(execute=True):
            retry(inverted, SYSTEM)
        assert len(store.mutations) == 1
    inverted.refresh_from_db()
    assert inverted.state == "published"
    assert Product.objects.filter(product_type="level2_frame").count() == 3  # the first attempt's reused


def test_publish_is_for_operators(inverted, scientist):
    with pytest.raises(NotPermitted):
        services.request_publish(inverted, Actor.of_user(scientist))
