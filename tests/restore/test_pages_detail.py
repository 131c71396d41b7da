"""The page of one restore (/restores/<id>/): its live part, the PPR, and the Cancel button."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, transition
from restore.models import RestoreRequest
from tests.restore.conftest import X80E

SYSTEM = Actor.system("test")


@pytest.mark.django_db
def test_live_part_polls_until_the_state_changes(client, scientist):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist)
    client.force_login(scientist)
    live = client.get(f"/restores/{restore.pk}/live/?state=requested")
    assert live.status_code == 200 and 'hx-trigger="every 2s"' in live.content.decode()
    transition(restore, "checked", SYSTEM, "ok")
    changed = client.get(f"/restores/{restore.pk}/live/?state=requested")
    assert changed.status_code == 204 and changed["HX-Refresh"] == "true"
    assert client.get(f"/restores/{restore.pk}/ppr.xml").status_code == 404


@pytest.mark.django_db
def test_cancel_button(client, scientist, operator):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    client.force_login(scientist)
    assert "Cancel this restore" not in client.get(f"/restores/{restore.pk}/").content.decode()
    refused = client.post(f"/restores/{restore.pk}/cancel/", follow=True)
    assert refused.redirect_chain == [(f"/restores/{restore.pk}/", 302)]
    assert "ask an operator" in refused.content.decode()
    restore.refresh_from_db()
    assert restore.state == "requested"
    assert LedgerEvent.objects.filter(kind="not_permitted", subject_id=str(restore.pk)).exists()
    client.force_login(operator)
    assert "Cancel this restore" in client.get(f"/restores/{restore.pk}/").content.decode()
    client.post(f"/restores/{restore.pk}/cancel/")
    restore.refresh_from_db()
    assert restore.state == "cancelled"


@pytest.mark.django_db
def test_cancelling_an_ended_restore_is_refused_on_its_page(client, operator):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    transition(restore, "not_restorable", SYSTEM)
    client.force_login(operator)
    refused = client.post(f"/restores/{restore.pk}/cancel/", follow=True)
    assert refused.redirect_chain == [(f"/restores/{restore.pk}/", 302)]
    assert "cannot move from &#x27;not_restorable&#x27;" in refused.content.decode()
    restore.refresh_from_db()
    assert restore.state == "not_restorable"


@pytest.mark.django_db
def test_page_query_count_does_not_grow_with_data(client, operator, with_staged_files):
    client.force_login(operator)
    small = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    with_staged_files(small, 1)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/restores/{small.pk}/")
    big = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    with_staged_files(big, 30)
    transition(big, "staged", SYSTEM)
    with CaptureQueriesContext(connection) as many:
        client.get(f"/restores/{big.pk}/")
    assert len(many) == len(few)


@pytest.mark.django_db(transaction=True)
def test_outputs_download_and_the_weblog_opens(client, scientist, run_restore):
    restore = run_restore(X80E, scientist)
    client.force_login(scientist)
    listing = restore.output_products.get(product_type="restore_ms_listing")
    download = client.get(f"/restores/{restore.pk}/outputs/{listing.pk}/")
    assert download.status_code == 200 and download["ETag"] == f'"{listing.sha256}"'
    assert b"uid___A002_Xcf92df_X3453.ms" in b"".join(download.streaming_content)
    part = client.get(f"/restores/{restore.pk}/outputs/{listing.pk}/", HTTP_RANGE="bytes=0-0")
    assert part.status_code == 206
    other = RestoreRequest.objects.create(mous_uid="uid://A001/X1/X2", requested_by=scientist)
    assert client.get(f"/restores/{other.pk}/outputs/{listing.pk}/").status_code == 404  # not its output
    (weblog, *_) = restore.output_products.filter(product_type="restore_weblog")
    index = client.get(f"/restores/{restore.pk}/weblog/{weblog.metadata['context']}/html/index.html")
    assert index.status_code == 200 and b"Pipeline weblog" in b"".join(index.streaming_content)
    for outside in (
        "../../logs/x.log",
        f"{weblog.metadata['context']}/../x",
        "uid___A002_Xcf92df_X3453.ms/table.info",
    ):
        assert client.get(f"/restores/{restore.pk}/weblog/{outside}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_operator_restores_again_with_the_ppr_route_from_the_page(client, operator, run_restore):
    restore = run_restore(X80E, operator)
    client.force_login(operator)
    page = client.get(f"/restores/{restore.pk}/").content.decode()
    assert "Restore again with the PPR route" in page
    response = client.post("/restores/", {"mous_uid": X80E, "again": "true", "force_ppr": "true"})
    forced = RestoreRequest.objects.exclude(pk=restore.pk).get()
    assert response["Location"] == f"/restores/{forced.pk}/" and forced.force_ppr
    page = client.get(f"/restores/{forced.pk}/").content.decode()
    assert "Route: PPR" in page and "forced by an operator" in page
    assert "Left out of the PPR: <code>fixsyscaltimes</code> (line 6)" in page
    assert "&lt;SciPipeRequest" in page and f"/restores/{forced.pk}/ppr.xml?download=1" in page
