"""Read models of the registry: the provenance graph of a product, collection summaries, chains
as they are drawn. Queries are per level of a graph or per page of a table, never per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.urls import reverse

from l2portal.ledger.models import Execution
from l2portal.registry.models import Collection, CollectionChild, Product, TagMembership

Consumes = Execution.inputs.through
MAX_DEPTH = 10
MAX_NODES = 500
PRODUCT_NODE_FIELDS = ("pk", "uuid", "path", "product_type", "status", "produced_by_id", "collection__name")
EXECUTION_NODE_FIELDS = (
    "pk",
    "uuid",
    "task_name",
    "status",
    "host",
    "parameters",
    "software",
    "started_at",
    "finished_at",
    "error",
)


@dataclass
class ProvenanceGraph:
    """Products and executions around one product: its ancestors at negative levels (its
    producer at -1, that one's inputs at -2, ...), what was made from it at positive levels."""

    root: int
    depth: int
    direction: str
    products: dict[int, dict] = field(default_factory=dict)  # pk -> fields, with "level"
    executions: dict[int, dict] = field(default_factory=dict)
    edges: set[tuple[str, str]] = field(default_factory=set)  # (from, to) node ids, data flow order
    truncated: bool = False

    @staticmethod
    def product_id(row: dict) -> str:
        return f"product:{row['uuid']}"

    @staticmethod
    def execution_id(row: dict) -> str:
        return f"execution:{row['uuid']}"

    def full(self) -> bool:
        if len(self.products) + len(self.executions) >= MAX_NODES:
            self.truncated = True
        return self.truncated

    def add_product(self, row: dict, level: int) -> bool:
        if row["pk"] in self.products or self.full():
            return False
        self.products[row["pk"]] = {**row, "level": level}
        return True

    def add_execution(self, row: dict, level: int) -> bool:
        if row["pk"] in self.executions or self.full():
            return False
        self.executions[row["pk"]] = {**row, "level": level}
        return True


def provenance_graph(product: Product, depth: int = 5, direction: str = "both") -> ProvenanceGraph:
    """The provenance of ``product``, ``depth`` generations up (what it was made from) and/or down
    (what was made from it): two queries per generation and direction, whatever the width."""
    graph = ProvenanceGraph(root=product.pk, depth=depth, direction=direction)
    root = Product.objects.filter(pk=product.pk).values(*PRODUCT_NODE_FIELDS).get()
    graph.add_product(root, 0)
    if direction in ("up", "both"):
        _ancestors(graph, [root], depth)
    if direction in ("down", "both"):
        _descendants(graph, [root], depth)
    return graph


def _ancestors(graph: ProvenanceGraph, frontier: list[dict], depth: int) -> None:
    for generation in range(1, depth + 1):
        producers = {row["produced_by_id"] for row in frontier if row["produced_by_id"]}
        executions = {
            e["pk"]: e for e in Execution.objects.filter(pk__in=producers).values(*EXECUTION_NODE_FIELDS)
        }
        new = [
            pk for pk, execution in executions.items() if graph.add_execution(execution, 1 - 2 * generation)
        ]
        for row in frontier:
            if row["produced_by_id"] in graph.executions:
                producer = graph.executions[row["produced_by_id"]]
                graph.edges.add((graph.execution_id(producer), graph.product_id(row)))
        if not new:
            return
        links = Consumes.objects.filter(execution_id__in=new).values(
            "execution_id", *(f"product__{name}" for name in PRODUCT_NODE_FIELDS)
        )
        frontier = []
        for link in links:
            row = {name: link[f"product__{name}"] for name in PRODUCT_NODE_FIELDS}
            if graph.add_product(row, -2 * generation):
                frontier.append(row)
            if row["pk"] in graph.products:
                consumer = graph.executions[link["execution_id"]]
                graph.edges.add((graph.product_id(row), graph.execution_id(consumer)))


def _descendants(graph: ProvenanceGraph, frontier: list[dict], depth: int) -> None:
    for generation in range(1, depth + 1):
        inputs = {row["pk"]: row for row in frontier}
        if not inputs:
            return
        links = Consumes.objects.filter(product_id__in=inputs).values(
            "product_id", *(f"execution__{name}" for name in EXECUTION_NODE_FIELDS)
        )
        new = set()
        for link in links:
            execution = {name: link[f"execution__{name}"] for name in EXECUTION_NODE_FIELDS}
            if graph.add_execution(execution, 2 * generation - 1):
                new.add(execution["pk"])
            if execution["pk"] in graph.executions:
                graph.edges.add((graph.product_id(inputs[link["product_id"]]), graph.execution_id(execution)))
        frontier = []
        for row in Product.objects.filter(produced_by_id__in=new).values(*PRODUCT_NODE_FIELDS):
            if graph.add_product(row, 2 * generation):
                frontier.append(row)
            if row["pk"] in graph.products:
                producer = graph.executions[row["produced_by_id"]]
                graph.edges.add((graph.execution_id(producer), graph.product_id(row)))


def collection_figures(collections: Iterable[Collection]) -> dict[int, dict]:
    """Per collection: products present and purged, bytes present (RUN), members (TAGGED),
    children in order (CHAINED). Three queries for a whole page."""
    collections = list(collections)
    pks = [c.pk for c in collections]
    figures: dict[int, dict] = {
        pk: {"present": 0, "purged": 0, "size": 0, "members": 0, "children": []} for pk in pks
    }
    runs = Product.objects.filter(collection_id__in=pks).values("collection_id").order_by()
    for row in runs.annotate(
        present=Count("pk", filter=Q(status=Product.Status.PRESENT)),
        purged=Count("pk", filter=Q(status=Product.Status.PURGED)),
        size=Sum("size", filter=Q(status=Product.Status.PRESENT)),
    ):
        figures[row["collection_id"]].update(
            present=row["present"], purged=row["purged"], size=row["size"] or 0
        )
    members = TagMembership.objects.filter(collection_id__in=pks).values("collection_id").order_by()
    for row in members.annotate(n=Count("pk")):
        figures[row["collection_id"]]["members"] = row["n"]
    links = CollectionChild.objects.filter(parent_id__in=pks).order_by("parent_id", "position")
    for parent, child_pk, name, kind in links.values_list(
        "parent_id", "child_id", "child__name", "child__kind"
    ):
        figures[parent]["children"].append({"pk": child_pk, "name": name, "kind": kind})
    return figures


def parents_of(collection: Collection) -> list[Collection]:
    """The chains that search ``collection`` directly."""
    return list(Collection.objects.filter(child_links__child=collection).order_by("name"))


def tags_of(products: Iterable[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    for product, name in (
        TagMembership.objects.filter(product_id__in=list(products))
        .order_by("collection__name")
        .values_list("product_id", "collection__name")
    ):
        tags[product].append(name)
    return tags


def graph_nodes(graph: ProvenanceGraph) -> tuple[list[dict], list[dict]]:
    """The graph as nodes (ordered by level, then path or task) and edges, each node with the
    URL of its page: what the API answers and the product page draws."""
    nodes = [
        {
            "id": graph.product_id(row),
            "kind": "product",
            "level": row["level"],
            "pk": row["pk"],
            "uuid": str(row["uuid"]),
            "path": row["path"],
            "product_type": row["product_type"],
            "collection": row["collection__name"],
            "status": row["status"],
            "url": reverse("registry:product", args=[row["pk"]]),
        }
        for row in graph.products.values()
    ]
    nodes += [
        {
            "id": graph.execution_id(row),
            "kind": "execution",
            "level": row["level"],
            "pk": row["pk"],
            "uuid": str(row["uuid"]),
            "task_name": row["task_name"],
            "status": row["status"],
            "host": row["host"],
            "parameters": row["parameters"],
            "software": row["software"],
            "started_at": row["started_at"],
            "finished_at": row["finished_at"],
            "error": row["error"],
            "url": reverse("registry:execution", args=[row["pk"]]),
        }
        for row in graph.executions.values()
    ]
    nodes.sort(key=lambda node: (node["level"], node.get("path") or node.get("task_name"), node["uuid"]))
    edges = [{"source": source, "target": target} for source, target in sorted(graph.edges)]
    return nodes, edges
