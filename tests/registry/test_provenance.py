"""The provenance graph: for a product, the execution that made it and its inputs, recursively; for
an input, everything made from it. Queries grow with the depth, never with the width."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree
from rest_framework.test import APIClient

from l2portal.ledger.execution import recording
from l2portal.registry import services as registry
from l2portal.registry.selectors import provenance_graph

pytestmark = pytest.mark.django_db


def made(run, name, inputs=(), task="make"):
    with recording(task, parameters={"name": name}):
        return registry.write_product(
            run,
            registry.product_path(run, f"{run.name}_{name}.txt"),
            name.split("_")[0],
            lambda t: t.write_text(name),
            inputs=inputs,
        )


def chain_of_five(data_root):
    """raw -> l0 -> l1 -> l2 -> l3 -> l4, each made by its own execution from the one before."""
    run = registry.get_run_collection("P1")
    products = [made(run, "raw_0")]
    for level in range(5):
        products.append(made(run, f"l{level}_0", [products[-1]]))
    return products


def test_ancestors_and_descendants_at_their_levels(data_root):
    products = chain_of_five(data_root)
    middle = products[2]
    graph = provenance_graph(middle, depth=5)
    levels = {row["path"]: row["level"] for row in graph.products.values()}
    assert levels == {p.path: 2 * (n - 2) for n, p in enumerate(products)}
    assert sorted(row["level"] for row in graph.executions.values()) == [-5, -3, -1, 1, 3, 5]
    assert (
        len(graph.edges) == 11 and not graph.truncated
    )  # each product from its maker, each input to its reader
    up = provenance_graph(middle, depth=1, direction="up")
    assert {row["path"] for row in up.products.values()} == {products[1].path, middle.path}
    down = provenance_graph(products[0], depth=2, direction="down")
    assert {row["path"] for row in down.products.values()} == {p.path for p in products[:3]}


def wide(data_root, width):
    """One product made from ``width`` inputs, each made from its own raw file, and read by
    ``width`` executions that each wrote a product."""
    run = registry.get_run_collection(f"W{width}")
    raws = [made(run, f"raw_{n}") for n in range(width)]
    inputs = [made(run, f"in_{n}", [raw]) for n, raw in enumerate(raws)]
    product = made(run, "product_0", inputs)
    for n in range(width):
        made(run, f"out_{n}", [product])
    return product


def test_queries_grow_with_the_depth_not_with_the_width(data_root):
    counts = []
    for width in (2, 12):
        product = wide(data_root, width)
        with CaptureQueriesContext(connection) as queries:
            graph = provenance_graph(product, depth=3)
        assert len(graph.products) == 1 + 3 * width
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_api_returns_the_graph_as_json(data_root, scientist):
    products = chain_of_five(data_root)
    client = APIClient()
    client.force_authenticate(scientist)
    answer = client.get(f"/api/products/{products[5].pk}/graph/", {"depth": 5, "direction": "up"}).json()
    assert answer["root"] == f"product:{products[5].uuid}" and answer["truncated"] is False
    product_nodes = [n for n in answer["nodes"] if n["kind"] == "product"]
    assert [n["path"] for n in product_nodes] == [p.path for p in products]  # by level, oldest first
    execution = next(n for n in answer["nodes"] if n["kind"] == "execution" and n["level"] == -1)
    assert execution["task_name"] == "make" and execution["parameters"] == {"name": "l4_0"}
    assert execution["software"]["numpy"] and execution["host"]
    assert {"source": f"product:{products[4].uuid}", "target": execution["id"]} in answer["edges"]
    assert {"source": execution["id"], "target": answer["root"]} in answer["edges"]
    refused = client.get(f"/api/products/{products[5].pk}/graph/", {"depth": 99})
    assert refused.status_code == 400 and "depth is 1 to 10" in refused.json()["detail"]


def test_the_product_page_draws_the_graph_with_every_node_a_link(data_root, client, scientist):
    products = chain_of_five(data_root)
    client.force_login(scientist)
    page = client.get(f"/registry/products/{products[3].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    svg = etree.fromstring(html[html.index("<svg") : html.index("</svg>") + 6].encode())
    links = [a.get("href") for a in svg.iter("{http://www.w3.org/2000/svg}a")]
    assert sorted(links) == sorted(
        [f"/registry/products/{p.pk}/" for p in products]
        + [f"/registry/executions/{p.produced_by_id}/" for p in products]
    )
    # Nothing fetched from elsewhere (the CSRF token may spell "cdn" by chance), no script in the SVG.
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)
    assert "<script" not in html[html.index("<svg") :]
    assert client.get(links[0]).status_code == 200
