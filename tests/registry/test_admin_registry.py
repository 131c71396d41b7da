"""Operators keep the registry in the admin through its services: retention rules are checked and
recorded, chains refuse cycles, instruments are registered once."""

import pytest

from l2portal.ledger.models import LedgerEvent
from l2portal.registry import services as registry
from l2portal.registry.models import Collection, Instrument, RetentionRule
from tests.factories import SYSTEM, superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(superuser())
    return client


def test_a_retention_rule_is_made_in_the_admin_and_recorded(admin_client):
    answer = admin_client.post(
        "/admin/ledger/retentionrule/add/",
        {
            "name": "staging",
            "product_type": "chunk_events",
            "keep": "after_consumers",
            "days": 7,
            "enabled": "on",
        },
    )
    assert answer.status_code == 302
    assert RetentionRule.objects.get().keep == RetentionRule.Keep.AFTER_CONSUMERS
    assert LedgerEvent.objects.filter(kind="retention_rule_saved").exists()
    refused = admin_client.post(
        "/admin/ledger/retentionrule/add/",
        {"name": "all", "keep": "after_created", "days": 1, "enabled": "on"},
    )
    assert (
        refused.status_code == 200 and "name a product type, a collection or both" in refused.content.decode()
    )


def test_a_chain_is_defined_in_the_admin_and_a_cycle_is_refused(admin_client):
    registry.get_run_collection("P310")
    registry.set_chain("B", ["P310"], SYSTEM)
    links = {"child_links-TOTAL_FORMS": 0, "child_links-INITIAL_FORMS": 0}  # the inline only shows them
    answer = admin_client.post(
        "/admin/ledger/collection/add/", {"name": "A", "kind": "chained", "search_path": "B, P310", **links}
    )
    assert answer.status_code == 302
    chain = Collection.objects.get(name="A")
    assert [c.name for c in registry.resolve(chain)] == ["P310"]
    b = Collection.objects.get(name="B")
    link = b.child_links.get()
    shown = {"child_links-TOTAL_FORMS": 1, "child_links-INITIAL_FORMS": 1, "child_links-0-id": link.pk}
    refused = admin_client.post(
        f"/admin/ledger/collection/{b.pk}/change/",
        {"search_path": "A", **shown, "child_links-0-parent": b.pk},
        follow=True,
    )
    assert "would contain itself" in refused.content.decode()
    assert [c.child.name for c in b.child_links.all()] == ["P310"]


def test_an_instrument_is_registered_once_in_the_admin(admin_client):
    body = {"name": "XRT", "full_name": "Swift XRT", "observatory": "Swift", "dimensions": '["obsid"]'}
    assert admin_client.post("/admin/ledger/instrument/add/", body).status_code == 302
    xrt = Instrument.objects.get(name="XRT")
    assert xrt.dimensions == ["obsid"] and LedgerEvent.objects.filter(kind="instrument_registered").exists()
    page = admin_client.get(f"/admin/ledger/instrument/{xrt.pk}/change/").content.decode()
    assert 'name="dimensions"' not in page  # read-only once registered
