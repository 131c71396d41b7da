"""Registry pages: collections (kind, size, counts, chains drawn), a collection, a product (record,
checksum, download, provenance graph, tags, versions, timeline) and the product search. Lists are
PortalTables (sortable, columns per user, CSV export); queries are per page, not per row."""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from l2portal.registry.models import Collection, Product, TagMembership, search_path
from l2portal.registry.selectors import (
    MAX_DEPTH,
    collection_figures,
    collection_rows,
    graph_nodes,
    parents_of,
    product_rows,
    provenance_graph,
)
from l2portal.registry.services import absolute_path

from ...portal.tables import portal_table
from .. import graph_svg
from ..downloads import product_response
from ..filtersets import ProductFilter
from ..tables import CollectionTable, ProductTable, SearchTable

GRAPH_DEPTH = 5
HISTORY_ROWS = 50


def _json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def collection_list(request):
    kind = request.GET.get("kind", "")
    collections = Collection.objects.order_by("name")
    if kind in Collection.Kind.values:
        collections = collections.filter(kind=kind)
    table = portal_table(request, CollectionTable, collection_rows(collections))
    if table.wants_csv:
        return table.csv_response()
    return render(
        request, "registry/collections.html", {"table": table, "kinds": Collection.Kind.choices, "kind": kind}
    )


def collection_detail(request, pk):
    collection = get_object_or_404(Collection, pk=pk)
    products = Product.objects.none()
    if collection.kind == Collection.Kind.RUN:
        products = collection.products.all()
    elif collection.kind == Collection.Kind.TAGGED:
        products = Product.objects.filter(memberships__collection=collection)
    table = portal_table(request, ProductTable, product_rows(products.order_by("path", "-id")))
    if table.wants_csv:
        return table.csv_response()
    context = {
        "collection": collection,
        "figures": collection_figures([collection])[collection.pk],
        "search_path": search_path(collection) if collection.kind == Collection.Kind.CHAINED else [],
        "parents": parents_of(collection),
        "table": table,
        "changes": collection.tag_changes.select_related("product").order_by("-at", "-id")[:HISTORY_ROWS],
    }
    return render(request, "registry/collection.html", context)


def _depth(request) -> int:
    try:
        return min(max(int(request.GET.get("depth", GRAPH_DEPTH)), 1), MAX_DEPTH)
    except ValueError:
        return GRAPH_DEPTH


def _drawing(product: Product, depth: int) -> tuple[str, bool]:
    graph = provenance_graph(product, depth)
    nodes, edges = graph_nodes(graph)
    drawing = graph_svg.render(
        [
            graph_svg.Node(
                id=node["id"],
                kind=node["kind"],
                level=node["level"],
                label=node["path"].rpartition("/")[2] if node["kind"] == "product" else node["task_name"],
                detail=f"{node['product_type']} · {node['collection']}"
                if node["kind"] == "product"
                else f"{node['status']} · {node['host']}",
                href=node["url"],
                status=node["status"],
                root=node["pk"] == product.pk and node["kind"] == "product",
            )
            for node in nodes
        ],
        [(edge["source"], edge["target"]) for edge in edges],
        f"provenance of {product.path}",
    )
    return drawing, graph.truncated


def product_detail(request, pk):
    product = get_object_or_404(
        Product.objects.select_related("collection", "instrument", "produced_by", "replaces"), pk=pk
    )
    depth = _depth(request)
    drawing, truncated = _drawing(product, depth)
    context = {
        "product": product,
        "replaced_by": Product.objects.filter(replaces=product).first(),
        "graph": drawing,
        "graph_truncated": truncated,
        "depth": depth,
        "depths": range(1, MAX_DEPTH + 1),
        "tags": TagMembership.objects.filter(product=product)
        .select_related("collection")
        .order_by("collection__name"),
        "changes": product.tag_changes.select_related("collection").order_by("-at", "-id")[:HISTORY_ROWS],
        "on_disk": product.status == Product.Status.PRESENT and absolute_path(product).is_file(),
        "metadata": _json(product.metadata),
    }
    return render(request, "registry/product.html", context)


def product_download(request, pk):
    """The product's file (HTTP ranges supported); a purged or missing file says so."""
    return product_response(request, get_object_or_404(Product, pk=pk))


def search(request):
    filterset = ProductFilter(request.GET or None, queryset=Product.objects.order_by("-created_at", "-id"))
    table = None
    if filterset.is_bound and filterset.is_valid():
        table = portal_table(request, SearchTable, product_rows(filterset.qs))
        if table.wants_csv:
            return table.csv_response()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "table": table,
        "api": reverse("product-list") + (f"?{query.urlencode()}" if query else ""),
    }
    return render(request, "registry/search.html", context)
