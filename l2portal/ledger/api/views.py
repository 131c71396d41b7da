import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..models import Collection, Execution, LedgerEvent, Product
from .serializers import (
    CollectionSerializer,
    ExecutionSerializer,
    LedgerEventSerializer,
    ProductSerializer,
    ProvenanceSerializer,
    TransitionSerializer,
)


class TrackedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read a tracked model, its append-only history, and let operators retry failed items."""

    @extend_schema(responses=TransitionSerializer(many=True), summary="State history, oldest first")
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        page = self.paginate_queryset(self.get_object().transitions.select_related(None))
        return self.get_paginated_response(TransitionSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses=TransitionSerializer,
        summary="Retry a failed item from the step that failed (operators)",
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        row = services.retry(self.get_object(), services.Actor.of_user(request.user))
        return Response(TransitionSerializer(row).data)


class CollectionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Collection.objects.prefetch_related("children")
    serializer_class = CollectionSerializer
    filterset_fields = ["kind", "name"]
    lookup_field = "name"


class ProductFilter(django_filters.FilterSet):
    collection = django_filters.CharFilter(field_name="collection__name")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Product
        fields = ["collection", "product_type", "status", "sha256", "since"]


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Product.objects.select_related("collection")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["created_at", "path", "size"]

    @extend_schema(responses=ProvenanceSerializer, summary="What produced this file?")
    @action(detail=True, methods=["get"])
    def provenance(self, request, pk=None):
        product = self.get_object()
        return Response(
            ProvenanceSerializer({"product": product, "produced_by": services.produced(product)}).data
        )

    @extend_schema(responses=ProductSerializer(many=True), summary="What was made from this input?")
    @action(detail=True, methods=["get"])
    def derived(self, request, pk=None):
        products = services.derived_from(self.get_object()).select_related("collection")
        page = self.paginate_queryset(products)
        return self.get_paginated_response(ProductSerializer(page, many=True).data)


class ExecutionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Execution.objects.select_related("subject_type").prefetch_related(
        Prefetch("inputs", queryset=Product.objects.only("id", "path", "product_type", "sha256")),
        Prefetch(
            "outputs", queryset=Product.objects.only("id", "path", "product_type", "sha256", "produced_by")
        ),
    )
    serializer_class = ExecutionSerializer
    filterset_fields = ["task_name", "status", "host", "task_id"]
    ordering_fields = ["started_at", "finished_at"]


class LedgerEventViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = LedgerEvent.objects.select_related("subject_type")
    serializer_class = LedgerEventSerializer
    filterset_fields = ["kind"]
