"""The rows of the ledger's lists with what their columns show, selected with them: a fixed number
of queries per page (and per chunk of an export), whatever the number of rows."""

from __future__ import annotations

from django.db.models import BigIntegerField, Count, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from l2portal.ledger.models import Execution
from l2portal.registry.models import CollectionChild, Product, TagMembership

# What a list of runs never shows: large JSON and text read only on a run's own page.
EXECUTION_LIST_DEFERRED = ("parameters", "software", "log_tail", "writing")


def product_rows(products: QuerySet) -> QuerySet:
    """Products with their collection, instrument and tags (``tag_list``)."""
    tags = TagMembership.objects.select_related("collection").order_by("collection__name")
    return products.select_related("collection", "instrument").prefetch_related(
        Prefetch("memberships", queryset=tags, to_attr="tag_list")
    )


def _per_collection(queryset: QuerySet, figure) -> Subquery:
    rows = queryset.filter(collection_id=OuterRef("pk")).order_by().values("collection_id")
    return Coalesce(Subquery(rows.annotate(n=figure).values("n")[:1]), 0, output_field=BigIntegerField())


def collection_rows(collections: QuerySet) -> QuerySet:
    """Collections with ``present``, ``purged``, ``present_size`` (RUN), ``members`` (TAGGED) and
    their search path (``child_links`` with each child, CHAINED)."""
    present = Product.objects.filter(status=Product.Status.PRESENT)
    children = CollectionChild.objects.select_related("child").order_by("position")
    return collections.annotate(
        present=_per_collection(present, Count("pk")),
        purged=_per_collection(Product.objects.filter(status=Product.Status.PURGED), Count("pk")),
        present_size=_per_collection(present, Sum("size")),
        members=_per_collection(TagMembership.objects.all(), Count("pk")),
    ).prefetch_related(Prefetch("child_links", queryset=children))


def execution_rows(executions: QuerySet | None = None) -> QuerySet:
    """Runs with their subject's type, without the large fields only their own page shows."""
    executions = Execution.objects.all() if executions is None else executions
    return executions.select_related("subject_type").defer(*EXECUTION_LIST_DEFERRED)
