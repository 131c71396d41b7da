"""Registry pages: collections (kind, size, counts, chains drawn), a collection, a product (record,
checksum, download, provenance graph, tags, versions), an execution (parameters, software, log,
files) and the product search. Tables are paginated; queries are per page, not per row."""

from __future__ import annotations

import json
import mimetypes

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from . import graph_svg
from .downloads import ranged_file_response
from .filtersets import ProductFilter
from .models import Collection, Execution, LedgerEvent, Product, TagMembership, search_path
from .selectors import MAX_DEPTH, collection_figures, graph_nodes, parents_of, provenance_graph, tags_of
from .services import absolute_path

PAGE_SIZE = 50
GRAPH_DEPTH = 5


def _page(request, queryset, name: str = "page"):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(name))


def _query_without(request, name: str) -> str:
    """The page's query string without ``name``, for pager links that keep the filters."""
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


def _json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def _events_about(obj, limit: int = 20):
    subject_type = ContentType.objects.get_for_model(obj)
    return LedgerEvent.objects.filter(subject_type=subject_type, subject_id=str(obj.pk))[:limit]


def collection_list(request):
    kind = request.GET.get("kind", "")
    collections = Collection.objects.order_by("name")
    if kind in Collection.Kind.values:
        collections = collections.filter(kind=kind)
    page = _page(request, collections)
    figures = collection_figures(page.object_list)
    context = {
        "page": page,
        "rows": [(collection, figures[collection.pk]) for collection in page],
        "kinds": Collection.Kind.choices,
        "kind": kind,
        "query": _query_without(request, "page"),
    }
    return render(request, "ledger/collections.html", context)


def collection_detail(request, pk):
    collection = get_object_or_404(Collection, pk=pk)
    products = Product.objects.none()
    if collection.kind == Collection.Kind.RUN:
        products = collection.products.all()
    elif collection.kind == Collection.Kind.TAGGED:
        products = Product.objects.filter(memberships__collection=collection)
    page = _page(request, products.select_related("collection", "instrument").order_by("path", "-id"))
    context = {
        "collection": collection,
        "figures": collection_figures([collection])[collection.pk],
        "search_path": search_path(collection) if collection.kind == Collection.Kind.CHAINED else [],
        "parents": parents_of(collection),
        "page": page,
        "changes": collection.tag_changes.select_related("product").order_by("-at", "-id")[:PAGE_SIZE],
        "events": _events_about(collection),
        "query": _query_without(request, "page"),
    }
    return render(request, "ledger/collection.html", context)


def _depth(request) -> int:
    try:
        return min(max(int(request.GET.get("depth", GRAPH_DEPTH)), 1), MAX_DEPTH)
    except ValueError:
        return GRAPH_DEPTH


def product_detail(request, pk):
    product = get_object_or_404(
        Product.objects.select_related("collection", "instrument", "produced_by", "replaces"), pk=pk
    )
    depth = _depth(request)
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
    context = {
        "product": product,
        "replaced_by": Product.objects.filter(replaces=product).first(),
        "graph": drawing,
        "graph_truncated": graph.truncated,
        "depth": depth,
        "depths": range(1, MAX_DEPTH + 1),
        "tags": TagMembership.objects.filter(product=product)
        .select_related("collection")
        .order_by("collection__name"),
        "changes": product.tag_changes.select_related("collection").order_by("-at", "-id")[:PAGE_SIZE],
        "events": _events_about(product),
        "on_disk": product.status == Product.Status.PRESENT and absolute_path(product).is_file(),
        "metadata": _json(product.metadata),
    }
    return render(request, "ledger/product.html", context)


def product_download(request, pk):
    """The product's file (HTTP ranges supported); a purged or missing file says so."""
    product = get_object_or_404(Product, pk=pk)
    if product.status == Product.Status.PURGED:
        raise Http404(
            f"{product.path} was purged on {product.purged_at:%Y-%m-%d %H:%M} ({product.purge_reason}); "
            "its record and provenance stay: re-run what made it to have it again"
        )
    path = absolute_path(product)
    if not path.is_file():
        raise Http404(
            f"{product.path} is registered but its file is missing; ask an operator to re-run what made it"
        )
    content_type = mimetypes.guess_type(product.filename)[0] or "application/octet-stream"
    return ranged_file_response(
        path, request.headers.get("Range", ""), content_type, product.filename, product.sha256
    )


def execution_detail(request, pk):
    execution = get_object_or_404(Execution.objects.select_related("subject_type"), pk=pk)
    context = {
        "execution": execution,
        "inputs": _page(request, execution.inputs.select_related("collection").order_by("path"), "inputs"),
        "outputs": _page(request, execution.outputs.select_related("collection").order_by("path"), "outputs"),
        "inputs_query": _query_without(request, "inputs"),
        "outputs_query": _query_without(request, "outputs"),
        "events": _events_about(execution),
        "parameters": _json(execution.parameters),
        "software": sorted(execution.software.items()),
    }
    return render(request, "ledger/execution.html", context)


def search(request):
    products = Product.objects.select_related("collection", "instrument").order_by("-created_at", "-id")
    filterset = ProductFilter(request.GET or None, queryset=products)
    page = _page(request, filterset.qs) if filterset.is_bound and filterset.is_valid() else None
    if page is not None:
        tags = tags_of(product.pk for product in page)
        for product in page:
            product.tag_names = tags.get(product.pk, [])
    context = {
        "filterset": filterset,
        "page": page,
        "query": _query_without(request, "page"),
        "api": reverse("product-list") + ("?" + _query_without(request, "page") if request.GET else ""),
    }
    return render(request, "ledger/search.html", context)
