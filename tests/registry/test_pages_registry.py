"""The registry's pages: collections with their kinds, sizes, counts and chains; a product with its
record, download (HTTP ranges), provenance and tags; an execution with its log; the search. Query
counts do not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from l2portal.ledger import services
from l2portal.ledger.execution import recording
from l2portal.registry import services as registry
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def fill(operator, runs: int, per_run: int):
    """``runs`` RUN collections of ``per_run`` FT2 files each (made from a magic7 file), a tag,
    a chain of every run."""
    names = []
    for n in range(runs):
        run = registry.get_run_collection(f"P{300 + n}")
        names.append(run.name)
        for run_id in range(per_run):
            with recording("make_ft2", parameters={"run": run_id}):
                raw = registry.write_product(
                    run, f"{run.name}/{run.name}_m7_{run_id}.txt", "magic7", lambda t: t.write_text("m7")
                )
                product = registry.write_product(
                    run,
                    f"{run.name}/{run.name}_ft2_{run_id}.fit",
                    "ft2_1s",
                    lambda t, i=run_id: t.write_text(f"FITS {i}"),
                    inputs=[raw],
                    instrument="LAT",
                    data_id={"run": 1000 * n + run_id},
                )
            registry.tag_products("fssc", [product], services.Actor.of_user(operator))
    registry.set_chain("FT2/current", names, SYSTEM)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/registry/",
        "/registry/?kind=run",
        "/registry/search/?instrument=LAT&collection=FT2/current",
        "/registry/search/?product_type=ft2_1s&since=2000-01-01T00:00:00Z",
        "/api/products/?collection=fssc",
        "/api/collections/",
    ],
)
def test_query_counts_do_not_grow_with_the_data(client, operator, data_root, url):
    client.force_login(operator)
    fill(operator, runs=2, per_run=2)
    small = queries(client, url)
    fill_more = [registry.get_run_collection(f"Q{n}") for n in range(6)]
    for run in fill_more:
        for i in range(5):
            registry.write_product(
                run, f"{run.name}/{run.name}_{i}.txt", "ft2_1s", lambda t: t.write_text("x")
            )
    registry.set_chain("FT2/current", ["P300", "P301", *(r.name for r in fill_more)], SYSTEM)
    assert queries(client, url) == small


def test_collection_pages_show_kind_size_counts_and_the_chain_drawn(client, operator, data_root):
    fill(operator, runs=2, per_run=2)
    client.force_login(operator)
    page = client.get("/registry/").content.decode()
    assert "FT2/current" in page and '<ol class="chain">' in page
    assert page.index(">P300</a></li><li") < page.index(">P301</a></li>")  # the search path, in order
    chain = registry.collection_named("FT2/current", SYSTEM)
    detail = client.get(f"/registry/collections/{chain.pk}/").content.decode()
    assert "Search path" in detail and "Flattened" in detail
    run = registry.collection_named("P300", SYSTEM)
    detail = client.get(f"/registry/collections/{run.pk}/").content.decode()
    assert "4 present, 0 purged" in detail and "P300/P300_ft2_1.fit" in detail and "Searched by" in detail
    tag = registry.collection_named("fssc", SYSTEM)
    assert "Added" in client.get(f"/registry/collections/{tag.pk}/").content.decode()


def test_the_product_page_shows_its_record_and_serves_its_file_with_ranges(client, operator, data_root):
    fill(operator, runs=1, per_run=1)
    product = registry.find_product("P300", "ft2_1s", "LAT", {"run": 0})
    client.force_login(operator)
    page = client.get(f"/registry/products/{product.pk}/").content.decode()
    for text in (product.sha256, "run=0", "Fermi Large Area Telescope", "fssc", "make_ft2", "Download"):
        assert text in page
    whole = client.get(f"/registry/products/{product.pk}/download")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == b"FITS 0"
    part = client.get(f"/registry/products/{product.pk}/download", HTTP_RANGE="bytes=2-4")
    assert part.status_code == 206 and b"".join(part.streaming_content) == b"TS "
    assert part["Content-Range"] == "bytes 2-4/6"
    (data_root / product.path).unlink()
    missing = client.get(f"/registry/products/{product.pk}/download")
    assert missing.status_code == 404


def test_the_execution_page_shows_its_parameters_files_and_log(client, operator, data_root):
    fill(operator, runs=1, per_run=1)
    product = registry.find_product("P300", "ft2_1s", "LAT", {"run": 0})
    client.force_login(operator)
    page = client.get(f"/registry/executions/{product.produced_by_id}/").content.decode()
    assert (
        "make_ft2" in page
        and "&quot;run&quot;: 0" in page
        and "P300/P300_m7_0.txt" in page
        and 'id="log"' in page
    )


def test_the_search_finds_by_instrument_type_collection_data_id_and_time(client, operator, data_root):
    fill(operator, runs=2, per_run=2)
    client.force_login(operator)

    def found(**query):
        page = client.get("/registry/search/", query)
        assert page.status_code == 200
        return sorted(row.record.path for row in page.context["table"].page.object_list)

    assert found(instrument="LAT", data_id="run=1001") == ["P301/P301_ft2_1.fit"]
    assert found(collection="FT2/current", product_type="magic7") == [
        "P300/P300_m7_0.txt",
        "P300/P300_m7_1.txt",
        "P301/P301_m7_0.txt",
        "P301/P301_m7_1.txt",
    ]
    assert len(found(collection="fssc")) == 4
    assert found(product_type="ft2_1s", until="2000-01-01T00:00:00Z") == []
    refused = client.get("/registry/search/", {"data_id": "run 1001"})
    assert refused.context["table"] is None and "is not a data id" in refused.content.decode()
