"""Instruments registered once (the LSST Gen3 Butler notes): every ingest names one by short name only;
products carry it and their data id, and are found by them."""

import pytest

from l2portal.ledger import services
from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import InvalidRequest
from l2portal.registry import services as registry
from l2portal.registry.models import Instrument, Product, instrument_uuid

pytestmark = pytest.mark.django_db


def write(run, name, **identity):
    return registry.write_product(
        run, registry.product_path(run, name), "magic7", lambda t: t.write_text(name), **identity
    )


def test_the_portals_instruments_are_registered_in_every_database():
    assert dict(Instrument.objects.values_list("name", "dimensions")) == {
        "ALMA": ["mous", "eb"],
        "LAT": ["run"],
        "VISP": ["proposal", "dataset"],
    }
    lat = Instrument.objects.get(name="LAT")
    assert lat.full_name == "Fermi Large Area Telescope" and lat.uuid == instrument_uuid("LAT")


def test_an_ingest_names_the_instrument_by_short_name_and_the_product_carries_it(data_root):
    raw = registry.get_run_collection("RAW")
    product = write(raw, "RAW_magic7_r545208791.txt", instrument="LAT", data_id={"run": 545208791})
    assert product.instrument.name == "LAT"
    assert product.data_id == {"run": 545208791} and product.data_key == "LAT|run=545208791|"
    alma = registry.get_run_collection("restores")
    eb = write(
        alma,
        "restores_eb.tgz",
        instrument="ALMA",
        data_id={"eb": "uid://A002/Xc/X1", "mous": "uid://A001/X1/X2"},
    )
    assert eb.data_key == "ALMA|mous=uid://A001/X1/X2|eb=uid://A002/Xc/X1|"  # the instrument's order


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ({"instrument": "HST"}, "instrument 'HST' is not registered .* register_instrument"),
        ({"instrument": "LAT", "data_id": {"orbit": 3}}, "'orbit' is not a dimension of LAT"),
        ({"instrument": "LAT", "data_id": {"run": 1.5}}, "an integer or a text"),
        ({"instrument": "LAT", "data_id": {"run": "1|2"}}, r"holds no '\|'"),
        ({"data_id": {"run": 1}}, "name the instrument"),
    ],
)
def test_an_unknown_instrument_or_a_wrong_data_id_is_refused_and_nothing_written(
    data_root, identity, message
):
    raw = registry.get_run_collection("RAW")
    with pytest.raises(InvalidRequest, match=message):
        write(raw, "RAW_x.txt", **identity)
    assert not Product.objects.exists()
    assert not (data_root / "RAW" / "RAW_x.txt").exists()
    assert LedgerEvent.objects.filter(kind__in=["instrument_refused", "data_id_refused"]).exists()


def test_registering_once_is_enough_and_a_changed_definition_is_refused(operator):
    actor = services.Actor.of_user(operator)
    xrt = registry.register_instrument("XRT", "Swift X-Ray Telescope", "Swift", ["obsid"], actor)
    assert registry.register_instrument("XRT", "Swift X-Ray Telescope", "Swift", ["obsid"], actor) == xrt
    with pytest.raises(registry.InstrumentRefused, match=r"registered with dimensions \['obsid'\]"):
        registry.register_instrument("XRT", "Swift X-Ray Telescope", "Swift", ["obsid", "snapshot"], actor)
    with pytest.raises(registry.InstrumentRefused, match="dimension 'Obs Id'"):
        registry.register_instrument("BAT", "Swift BAT", "Swift", ["Obs Id"], actor)
    assert Instrument.objects.get(name="XRT").dimensions == ["obsid"]
    assert LedgerEvent.objects.filter(kind="instrument_registered").count() == 1


def test_products_are_found_by_instrument_and_data_id(data_root, scientist):
    from rest_framework.test import APIClient

    raw = registry.get_run_collection("RAW")
    wanted = write(raw, "RAW_magic7_r1.txt", instrument="LAT", data_id={"run": 1})
    write(raw, "RAW_magic7_r2.txt", instrument="LAT", data_id={"run": 2})
    write(raw, "RAW_notes.txt")
    client = APIClient()
    client.force_authenticate(scientist)
    found = client.get("/api/products/", {"instrument": "LAT", "data_id": "run=1"}).json()
    assert [p["uuid"] for p in found["results"]] == [str(wanted.uuid)]
    assert client.get("/api/products/", {"data_id": "run=2"}).json()["count"] == 1
    assert client.get("/api/products/", {"instrument": "LAT"}).json()["count"] == 2
    assert client.get("/api/instruments/LAT/").json()["dimensions"] == ["run"]


def test_the_api_registers_instruments_for_operators_only(operator, scientist):
    from rest_framework.test import APIClient

    body = {"name": "XRT", "full_name": "Swift XRT", "observatory": "Swift", "dimensions": ["obsid"]}
    client = APIClient()
    client.force_authenticate(scientist)
    assert client.post("/api/instruments/", body, format="json").status_code == 403
    client.force_authenticate(operator)
    assert client.post("/api/instruments/", body, format="json").status_code == 201
    assert Instrument.objects.filter(name="XRT").exists()
