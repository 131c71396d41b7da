"""Inversion uploads verified where publishing reads them: a file changed since it was registered
fails the publish with both checksums and nothing is written or transferred (issue 20)."""

import pytest

from l2portal.files import sha256_file
from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor
from l2portal.programs import services
from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path

pytestmark = pytest.mark.django_db


def test_an_upload_changed_since_registration_fails_the_publish_with_nothing_written(
    inverted, operator, store, django_capture_on_commit_callbacks
):
    uploaded = inverted.inversions.get().fit_profiles
    path = absolute_path(uploaded)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF  # one byte flipped in the data: the size is the same
    path.write_bytes(bytes(data))
    with django_capture_on_commit_callbacks(execute=True):
        services.request_publish(inverted, Actor.of_user(operator))
    inverted.refresh_from_db()
    assert inverted.state == "error"
    reason = inverted.transitions.last().reason
    assert uploaded.path in reason and uploaded.sha256 in reason and sha256_file(path) in reason
    assert "retry the publish" in reason
    assert not Product.objects.filter(product_type__in=["level2_frame", "level2_asdf"]).exists()
    assert not store.mutations
    assert LedgerEvent.objects.get(kind="input_changed").details["used_by"].startswith("observing program")
