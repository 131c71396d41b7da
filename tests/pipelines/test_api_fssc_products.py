"""The FSSC's products API: list what is ready, download it, report transfer and ingest."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.models import LedgerEvent
from l2portal.registry.services import absolute_path
from pipelines import services
from pipelines.models import CampaignRun, FsscDelivery
from tests.factories import SYSTEM

from .conftest import RUNS, make_campaign, run_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_campaign(magic7_runs, django_capture_on_commit_callbacks):
    campaign = make_campaign(runs=RUNS[:2])
    run_campaign(campaign, django_capture_on_commit_callbacks)
    return campaign


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("scientist", 403), ("fssc", 200), ("operator", 200)]
)
def test_only_the_fssc_and_operators_list_and_report(ready_campaign, client_as, role, expected):
    client = client_as(role)
    delivery = FsscDelivery.objects.first()
    assert client.get("/api/fssc/products/").status_code == expected
    assert client.get(f"/api/fssc/products/{delivery.pk}/download/").status_code == expected
    report = {"stage": "transfer", "result": "ok", "sha256": delivery.product.sha256}
    assert (
        client.post(f"/api/fssc/products/{delivery.pk}/report/", report, format="json").status_code
        == expected
    )
    delivery.refresh_from_db()
    assert delivery.state == ("transferred" if expected == 200 else "ready")


def test_ready_products_carry_size_checksum_and_a_download_url(ready_campaign, fssc_client):
    body = fssc_client.get("/api/fssc/products/", {"campaign": "P310", "product_type": "ft2_1s"}).json()
    assert body["count"] == 2
    item = body["results"][0]
    delivery = FsscDelivery.objects.get(pk=item["id"])
    assert item["filename"] == f"gll_pt1s_p310_r0{RUNS[0]}_v001.fit"
    assert item["size"] == delivery.product.size and item["sha256"] == delivery.product.sha256
    assert item["download_url"] == f"http://testserver/api/fssc/products/{delivery.pk}/download/"
    assert item["state"] == "ready" and item["run_id"] == RUNS[0]
    client = fssc_client
    assert client.get("/api/fssc/products/", {"state": "ingested"}).json()["count"] == 0
    assert client.get("/api/fssc/products/", {"campaign": "P999"}).json()["count"] == 0
    assert client.get("/api/fssc/products/", {"since": "2000-01-01T00:00:00Z"}).json()["count"] == 4
    assert client.get("/api/fssc/products/", {"since": "2999-01-01T00:00:00Z"}).json()["count"] == 0


def test_a_wrong_checksum_is_refused_the_file_stays_ready_and_an_event_is_recorded(
    ready_campaign, fssc_client
):
    delivery = FsscDelivery.objects.first()
    wrong = "0" * 64
    response = fssc_client.post(
        f"/api/fssc/products/{delivery.pk}/report/",
        {"stage": "transfer", "result": "ok", "sha256": wrong},
        format="json",
    )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert wrong in detail and delivery.product.sha256 in detail and "stays ready" in detail
    assert response.json()["code"] == "fssc_checksum_mismatch"
    delivery.refresh_from_db()
    assert delivery.state == "ready" and not delivery.transitions.exists()
    event = LedgerEvent.objects.get(kind="fssc_checksum_mismatch")
    assert event.subject_id == str(delivery.pk) and event.details["reported"] == wrong


def test_transfer_then_ingest_of_both_files_delivers_the_run(ready_campaign, fssc_client):
    client = fssc_client
    run = CampaignRun.objects.filter(campaign=ready_campaign).first()
    for delivery in run.deliveries.all():
        sha = delivery.product.sha256
        for stage in ("transfer", "ingest"):
            response = client.post(
                f"/api/fssc/products/{delivery.pk}/report/",
                {"stage": stage, "result": "ok", "sha256": sha},
                format="json",
            )
            assert response.status_code == 200, response.content
    assert response.json()["state"] == "ingested"
    run.refresh_from_db()
    assert run.state == "delivered"
    history = client.get(f"/api/fssc/products/{delivery.pk}/history/").json()["results"]
    assert [h["to_state"] for h in history] == ["transferred", "ingested"]


def test_a_failed_ingest_is_recorded_and_the_file_can_be_pulled_again(ready_campaign, fssc_client):
    client = fssc_client
    delivery = FsscDelivery.objects.first()
    url = f"/api/fssc/products/{delivery.pk}/report/"
    failed = {"stage": "ingest", "result": "failed", "message": "header rejected"}
    assert client.post(url, failed, format="json").json()["state"] == "failed"
    assert delivery.transitions.get().reason == "header rejected"
    ok = {"stage": "transfer", "result": "ok", "sha256": delivery.product.sha256}
    assert client.post(url, ok, format="json").json()["state"] == "transferred"
    # Ingest before transfer is not a move the machine allows: 409 with the reason.
    other = FsscDelivery.objects.exclude(pk=delivery.pk).first()
    response = client.post(
        f"/api/fssc/products/{other.pk}/report/",
        {"stage": "ingest", "result": "ok", "sha256": other.product.sha256},
        format="json",
    )
    assert response.status_code == 409 and "allowed from here" in response.json()["detail"]


def test_product_list_query_count_does_not_grow_with_products(
    magic7_runs, django_capture_on_commit_callbacks, fssc_client
):
    client = fssc_client
    run_campaign(make_campaign("P310", RUNS[:1]), django_capture_on_commit_callbacks)
    client.get("/api/fssc/products/")  # warm the role cache and content types
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/fssc/products/").json()["count"] == 2
    run_campaign(make_campaign("P311", RUNS), django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/api/fssc/products/").json()["count"] == 8
    assert len(large) == len(small)


def test_products_can_be_pulled_while_the_campaign_is_still_running(
    magic7_runs, django_capture_on_commit_callbacks, fssc_client
):
    campaign = make_campaign()
    with django_capture_on_commit_callbacks() as queued:
        services.start_campaign(campaign, SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()  # only the first run's task has run so far
    campaign.refresh_from_db()
    assert campaign.state == "running"
    body = fssc_client.get("/api/fssc/products/", {"campaign": "P310", "state": "ready"}).json()
    assert body["count"] == 2 and {item["run_id"] for item in body["results"]} == {RUNS[0]}


def test_a_product_whose_file_is_missing_is_a_404(ready_campaign, fssc_client):
    delivery = FsscDelivery.objects.first()
    absolute_path(delivery.product).unlink()
    response = fssc_client.get(f"/api/fssc/products/{delivery.pk}/download/")
    assert response.status_code == 404
    assert response.json()["detail"] == f"{delivery.product.path} is missing on disk"
