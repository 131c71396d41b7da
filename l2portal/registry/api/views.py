from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from l2portal.ledger.models import Execution, LedgerEvent
from l2portal.registry import services as registry
from l2portal.registry.models import Collection, CollectionChild, Product, TagMembership
from l2portal.registry.selectors import MAX_DEPTH, graph_nodes, provenance_graph

from ...ledger import services
from ...portal.api.schema import INVALID, ErrorSerializer, example
from ...portal.downloads import AnyMediaRenderer
from ..downloads import product_response
from ..filtersets import ProductFilter, parse_data_id
from . import examples
from .serializers import (
    ChainSerializer,
    CollectionSerializer,
    ExecutionSerializer,
    GraphSerializer,
    LedgerEventSerializer,
    ProductSerializer,
    ProvenanceSerializer,
)


class CollectionViewSet(viewsets.ReadOnlyModelViewSet):
    """RUN, TAGGED and CHAINED collections, by name (a name may hold '/', as "FT2/current")."""

    queryset = Collection.objects.prefetch_related(
        Prefetch("child_links", queryset=CollectionChild.objects.select_related("child").order_by("position"))
    ).order_by("name")
    serializer_class = CollectionSerializer
    filterset_fields = ["kind", "name", "site"]
    lookup_field = "name"
    lookup_value_regex = r"[^?#]+?"

    @extend_schema(
        request=ChainSerializer,
        responses=CollectionSerializer,
        summary="Define a CHAINED collection's search path (operators); cycles are refused",
        examples=[example("FT2/current", examples.CHAIN, request=True)],
    )
    @action(detail=False, methods=["post"])
    def chain(self, request):
        body = ChainSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        chain = registry.set_chain(
            body.validated_data["name"],
            body.validated_data["children"],
            services.Actor.of_user(request.user),
            body.validated_data["description"],
        )
        return Response(CollectionSerializer(self.get_queryset().get(pk=chain.pk)).data)


DEPTH = OpenApiParameter(
    "depth",
    {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH},
    description=f"generations each way, 1 to {MAX_DEPTH} (default 5)",
)
DIRECTION = OpenApiParameter(
    "direction",
    str,
    enum=["up", "down", "both"],
    description="up: made from; down: made from it (default both)",
)


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Product.objects.select_related(
        "collection", "instrument", "replaces", "produced_by"
    ).prefetch_related(Prefetch("memberships", queryset=TagMembership.objects.select_related("collection")))
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["created_at", "path", "size"]

    @extend_schema(responses=ProvenanceSerializer, summary="What produced this file?")
    @action(detail=True, methods=["get"])
    def provenance(self, request, pk=None):
        product = self.get_object()
        return Response(
            ProvenanceSerializer({"product": product, "produced_by": registry.produced(product)}).data
        )

    @extend_schema(responses=ProductSerializer(many=True), summary="What was made from this input?")
    @action(detail=True, methods=["get"])
    def derived(self, request, pk=None):
        products = registry.derived_from(self.get_object()).select_related("collection", "instrument")
        page = self.paginate_queryset(products.prefetch_related("memberships__collection"))
        return self.get_paginated_response(ProductSerializer(page, many=True).data)

    @extend_schema(
        parameters=[DEPTH, DIRECTION],
        responses={200: GraphSerializer, 400: INVALID},
        summary="Provenance graph: the executions and products it was made from and made into",
        examples=[example("FT2 of a run", examples.GRAPH)],
    )
    @action(detail=True, methods=["get"])
    def graph(self, request, pk=None):
        product = self.get_object()
        try:
            depth = int(request.query_params.get("depth", 5))
        except ValueError:
            depth = 0
        direction = request.query_params.get("direction", "both")
        if not 1 <= depth <= MAX_DEPTH or direction not in ("up", "down", "both"):
            raise ValidationError(
                {
                    "detail": f"depth is 1 to {MAX_DEPTH}, direction one of up, down, both; "
                    f"got depth={request.query_params.get('depth')!r}, direction={direction!r}"
                }
            )
        graph = provenance_graph(product, depth, direction)
        nodes, edges = graph_nodes(graph)
        root = f"product:{product.uuid}"
        body = {"root": root, "depth": depth, "direction": direction, "truncated": graph.truncated}
        return Response(GraphSerializer({**body, "nodes": nodes, "edges": edges}).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "collection", str, required=True, description='a collection or chain, e.g. "FT2/current"'
            ),
            OpenApiParameter("product_type", str, required=True),
            OpenApiParameter("instrument", str, required=True, description="short name, e.g. LAT"),
            OpenApiParameter("data_id", str, required=True, description="e.g. run=545208791"),
        ],
        responses={
            200: ProductSerializer,
            400: INVALID,
            404: OpenApiResponse(ErrorSerializer, description="no collection of the path holds one"),
        },
        summary="The product a search path finds first for a type and data id",
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        params = request.query_params
        missing = [n for n in ("collection", "product_type", "instrument", "data_id") if not params.get(n)]
        data_id = parse_data_id(params.get("data_id", ""))
        if missing or data_id is None:
            raise ValidationError(
                {
                    "detail": "give collection, product_type, instrument and data_id (key=value pairs); "
                    f"missing {missing}"
                }
            )
        found = registry.find_product(
            params["collection"], params["product_type"], params["instrument"], data_id
        )
        if found is None:
            raise NotFound(
                f"no collection searched by {params['collection']} holds {params['product_type']} "
                f"of {data_id}"
            )
        return Response(ProductSerializer(self.get_queryset().get(pk=found.pk)).data)

    @extend_schema(
        responses={
            (200, "*/*"): OpenApiTypes.BINARY,
            (206, "*/*"): OpenApiTypes.BINARY,
            404: OpenApiResponse(ErrorSerializer, description="purged, or its file is missing"),
            416: OpenApiResponse(description="the range is beyond the end of the file"),
        },
        summary="The product's file (a single HTTP range supported)",
    )
    @action(detail=True, methods=["get"], renderer_classes=[AnyMediaRenderer])
    def download(self, request, pk=None):
        return product_response(request, self.get_object(), "application/octet-stream")


class ExecutionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Execution.objects.select_related("subject_type").prefetch_related(
        Prefetch("inputs", queryset=Product.objects.only("id", "path", "product_type", "sha256")),
        Prefetch(
            "outputs", queryset=Product.objects.only("id", "path", "product_type", "sha256", "produced_by")
        ),
    )
    serializer_class = ExecutionSerializer
    filterset_fields = ["task_name", "status", "host", "task_id", "uuid", "site"]
    ordering_fields = ["started_at", "finished_at"]


class LedgerEventViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = LedgerEvent.objects.select_related("subject_type")
    serializer_class = LedgerEventSerializer
    filterset_fields = ["kind", "site"]
