"""FSSC deliveries as a use case: who may report, and what a wrong checksum does."""

import pytest

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.ledger.services import Actor
from pipelines import services
from pipelines.models import FsscDelivery

from .conftest import RUNS, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(magic7_runs, django_capture_on_commit_callbacks):
    run_campaign(make_campaign(runs=RUNS[:1]), django_capture_on_commit_callbacks)
    return FsscDelivery.objects.select_related("product").first()


def test_the_fssc_and_operators_report_others_are_refused(delivery, fssc, operator, scientist):
    sha = delivery.product.sha256
    with pytest.raises(NotPermitted, match="only fsscs or operators may report on FSSC deliveries"):
        services.report_delivery(delivery, Actor.of_user(scientist), "transfer", "ok", sha)
    assert delivery.state == "ready"
    assert (
        services.report_delivery(delivery, Actor.of_user(fssc), "transfer", "ok", sha).to_state
        == "transferred"
    )
    row = services.report_delivery(delivery, Actor.of_user(operator), "ingest", "failed", message="rejected")
    assert (row.to_state, row.reason) == ("failed", "rejected")


def test_a_wrong_checksum_is_a_conflict_recorded_on_the_delivery(delivery, fssc):
    with pytest.raises(services.ChecksumMismatch) as refused:
        services.report_delivery(delivery, Actor.of_user(fssc), "ingest", "ok", "")
    assert (refused.value.code, refused.value.http_status) == ("fssc_checksum_mismatch", 409)
    assert "reports sha256 (none)" in refused.value.message
    event = LedgerEvent.objects.get(kind="fssc_checksum_mismatch")
    assert event.details == {"stage": "ingest", "reported": "", "expected": delivery.product.sha256}
    delivery.refresh_from_db()
    assert delivery.state == "ready" and not delivery.transitions.exists()
