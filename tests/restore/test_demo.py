"""`manage.py load_demo` for restores: the seed MOUS restored (its products fetched from the project's
NGAS server over HTTP) and an uncalibrated one stopped at Not restorable, through the services;
loading again changes nothing."""

import io

import pytest

from l2portal.ledger.services import Actor
from restore.demo import SEED_MOUS, UNCALIBRATED_MOUS, load_demo
from restore.models import RestoreRequest

SYSTEM = Actor.system("demo")


@pytest.mark.django_db(transaction=True)
def test_demo_restores_are_requested_once():
    written = io.StringIO()
    load_demo(SYSTEM, written)
    states = dict(RestoreRequest.objects.values_list("mous_uid", "state"))
    assert states == {SEED_MOUS: "restored", UNCALIBRATED_MOUS: "not_restorable"}
    assert f"restore of {SEED_MOUS}: Restored (products from http://127.0.0.1:" in written.getvalue()
    seed = RestoreRequest.objects.get(mous_uid=SEED_MOUS)
    assert seed.product_store.startswith("http://") and seed.plan["route"] == "script"
    assert {staged.checksum_variant for staged in seed.staged_files.filter(kind="product")} == {"crc32c"}
    load_demo(SYSTEM, io.StringIO())
    assert RestoreRequest.objects.count() == 2
