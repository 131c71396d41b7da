"""A failed restore on its pages: the reason on top of its page and in its list row, a retry for
operators, a cancel that asks first, and each output as a download with its record."""

import pytest

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
    top = page.index('<section class="failure"')
    assert top < page.index("Can we restore?") and "Failed in Requested" in page[top:]
    assert "archive answered 503: try later" in page[top : page.index("Can we restore?")]
    assert "/retry/" not in page and "An operator can retry it" in page
    listing = client.get("/restores/").content.decode()
    assert 'class="reason" title="archive answered 503: try later"' in listing


def test_operators_retry_from_the_page(client, operator, django_capture_on_commit_callbacks):
    restore = failed_restore(operator)
    client.force_login(operator)
    url = f"/registry/objects/restore.restorerequest/{restore.pk}/retry/"
    assert f'action="{url}"' in client.get(f"/restores/{restore.pk}/").content.decode()
    with django_capture_on_commit_callbacks() as sent:
        client.post(url, {"next": f"/restores/{restore.pk}/"})
    restore.refresh_from_db()
    assert restore.state == "requested" and len(sent) == 1


def test_cancel_asks_first(client, operator):
    restore = RestoreRequest.objects.create(mous_uid=X80E, requested_by=operator)
    client.force_login(operator)
    page = client.get(f"/restores/{restore.pk}/").content.decode()
    assert (
        f'action="/restores/{restore.pk}/cancel/" class="action" data-confirm="Cancel this restore?' in page
    )
    assert client.get(f"/restores/{restore.pk}/cancel/").status_code == 405  # only a POST acts
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
