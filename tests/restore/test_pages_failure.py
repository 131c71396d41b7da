"""A failed restore on its pages: the reason on top of its page and in its list row, a retry for
operators only, a cancel that asks first, and each output as a download with its record."""

import pytest

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, fail
from restore.models import RestoreRequest
from tests.restore.conftest import X80E

SYSTEM = Actor.system("test")
pytestmark = pytest.mark.django_db


def failed_restore(who):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=who)
    fail(restore, SYSTEM, "archive answered 503: try later")
    return restore


def test_the_reason_is_on_top_of_the_page_and_in_the_list(client, scientist):
    restore = failed_restore(scientist)
    client.force_login(scientist)
    page = client.get(f"/restores/{restore.pk}/").content.decode()
    top = page.index('id="failure"')
    assert top < page.index("Can we restore?") and "Failed in Requested" in page[top:]
    assert "archive answered 503: try later" in page[top : page.index("Can we restore?")]
    assert "Retry from" not in page and "An operator retries it" in page
    listing = client.get("/restores/").content.decode()
    assert 'class="reason" title="archive answered 503: try later"' in listing


def test_operators_retry_from_the_page_and_scientists_are_refused(
    client, scientist, operator, django_capture_on_commit_callbacks
):
    restore = failed_restore(scientist)
    url = f"/restores/{restore.pk}/"
    client.force_login(scientist)
    refused = client.post(f"{url}retry/", follow=True)
    assert "only operators may retry" in refused.content.decode()
    restore.refresh_from_db()
    assert restore.state == "error"
    assert LedgerEvent.objects.filter(kind="not_permitted", subject_id=str(restore.pk)).exists()
    client.force_login(operator)
    assert "Retry from Requested" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks() as sent:
        done = client.post(f"{url}retry/", follow=True)
    assert "Sent back to Requested; the step runs again" in done.content.decode() and len(sent) == 1
    restore.refresh_from_db()
    assert restore.state == "requested"


def test_cancel_asks_first(client, operator):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    client.force_login(operator)
    page = client.get(f"/restores/{restore.pk}/").content.decode()
    assert f'href="/restores/{restore.pk}/cancel/">Cancel this restore…' in page
    confirm = client.get(f"/restores/{restore.pk}/cancel/").content.decode()
    assert "Cancelling stops it for good" in confirm and 'method="post"' in confirm
    restore.refresh_from_db()
    assert restore.state == "requested"  # asking changed nothing
    client.post(f"/restores/{restore.pk}/cancel/")
    restore.refresh_from_db()
    assert restore.state == "cancelled"


@pytest.mark.django_db(transaction=True)
def test_every_output_and_the_weblog_archive_download_with_their_record(client, scientist, run_restore):
    restore = run_restore(X80E, scientist)
    client.force_login(scientist)
    page = client.get(f"/restores/{restore.pk}/").content.decode()
    for product in restore.output_products.all():
        assert f'href="/restores/{restore.pk}/outputs/{product.pk}/" download' in page
        assert f'href="/registry/products/{product.pk}/"' in page
    weblog = restore.output_products.filter(product_type="restore_weblog").first()
    assert f"download the weblog archive {weblog.filename}" in page
