"""Restore requests over the API. Every signed-in user reads; the services decide who writes
(operators and scientists request; operators cancel any restore, scientists their own)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from l2portal.ledger.services import Actor
from l2portal.portal.api.schema import NOT_PERMITTED
from l2portal.portal.api.tracked import TrackedViewSet
from l2portal.portal.downloads import AnyMediaRenderer
from l2portal.registry.downloads import product_response

from .. import selectors, services
from ..filtersets import RestoreRequestFilter
from ..models import RestoreRequest
from .examples import DUPLICATE, NOT_A_MOUS_UID, REQUEST_EXAMPLE, RESPONSE_EXAMPLE
from .serializers import (
    LogQuerySerializer,
    LogTailSerializer,
    RestoreCreateSerializer,
    RestoreRequestDetailSerializer,
    RestoreRequestSerializer,
    TimelineStepSerializer,
)

DOWNLOAD = OpenApiParameter("download", OpenApiTypes.BOOL, description="as an attachment (file download)")
RANGE = OpenApiParameter(
    "Range",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="one byte range, bytes=0-99",
)


@extend_schema_view(
    list=extend_schema(summary="Restore requests, newest first (filter by state, MOUS, requester)"),
    retrieve=extend_schema(summary="One restore: answer, sessions, warnings, PPR, timeline, outputs"),
)
class RestoreRequestViewSet(mixins.CreateModelMixin, TrackedViewSet):
    queryset = RestoreRequest.objects.select_related("requested_by")
    filterset_class = RestoreRequestFilter
    ordering_fields = ["created_at", "state_changed_at", "mous_uid"]

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-created_at", "-id")
        return queryset if self.action == "list" else selectors.with_details(queryset)

    def get_serializer_class(self):
        if self.action == "list":
            return RestoreRequestSerializer
        if self.action == "create":
            return RestoreCreateSerializer
        return RestoreRequestDetailSerializer

    @extend_schema(
        request=RestoreCreateSerializer,
        responses={
            201: RestoreRequestDetailSerializer,
            400: NOT_A_MOUS_UID,
            403: NOT_PERMITTED,
            409: DUPLICATE,
        },
        examples=[REQUEST_EXAMPLE, RESPONSE_EXAMPLE],
        summary="Request a restore of an MOUS (operators, scientists); the archive check starts at once. "
        "An MOUS being restored, or restored the same way, answers 409 with the existing restore",
    )
    def create(self, request, *args, **kwargs):
        payload = RestoreCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        created = services.request_restore(
            data["mous_uid"], Actor.of_user(request.user), again=data["again"], force_ppr=data["force_ppr"]
        )
        body = RestoreRequestDetailSerializer(self.get_queryset().get(pk=created.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: RestoreRequestDetailSerializer},
        summary="Cancel a restore (operators: any; scientists: their own); a running pipeline is stopped",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        services.cancel(self.get_object(), Actor.of_user(request.user))
        return Response(RestoreRequestDetailSerializer(self.get_object()).data)

    def _file(self, request, product, content_type: str, missing: str):
        if product is None:
            raise NotFound(missing)
        response = HttpResponse(selectors.file_bytes(product), content_type=content_type)
        if request.query_params.get("download") in {"1", "true", "yes"}:
            response["Content-Disposition"] = f'attachment; filename="{product.filename}"'
        return response

    @extend_schema(
        parameters=[DOWNLOAD],
        responses={(200, "application/xml"): OpenApiTypes.STR, 404: None},
        summary="The validated PPR (XML), once a PPR-route restore is prepared",
    )
    @action(detail=True, methods=["get"])
    def ppr(self, request, pk=None):
        missing = "no PPR: it is built once the files are staged, for the PPR route only"
        return self._file(request, self.get_object().ppr, "application/xml", missing)

    @extend_schema(
        parameters=[DOWNLOAD],
        responses={(200, "text/x-python"): OpenApiTypes.STR, 404: None},
        summary="The generated restore script, once a restore-script-route restore is prepared",
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyMediaRenderer])
    def script(self, request, pk=None):
        missing = (
            "no restore script: it is written once the files are staged, for the restore-script route only"
        )
        return self._file(request, self.get_object().restore_script, "text/x-python; charset=utf-8", missing)

    @extend_schema(
        parameters=[RANGE],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="the whole file"
            ),
            (206, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="the range"),
            404: OpenApiResponse(description="no such output of this restore, or its file was purged"),
            416: OpenApiResponse(description="range beyond the end; Content-Range: bytes */size"),
        },
        summary="Download an output of the restore's runs (MS listing, weblog archive, logs)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"outputs/(?P<product_id>[0-9]+)",
        renderer_classes=[JSONRenderer, AnyMediaRenderer],
    )
    def output(self, request, pk=None, product_id=None):
        product = self.get_object().output_products.filter(pk=product_id).first()
        if product is None:
            raise NotFound(f"restore {pk} has no output {product_id}")
        return product_response(request, product)

    @extend_schema(
        parameters=[LogQuerySerializer],
        responses=LogTailSerializer,
        summary="The tail of the pipeline log (poll it while the restore runs)",
    )
    @action(detail=True, methods=["get"])
    def log(self, request, pk=None):
        restore = self.get_object()
        query = LogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lines = query.validated_data["lines"]
        tail = {
            "path": restore.log_path,
            "exit_code": restore.exit_code,
            "lines": selectors.log_tail(restore, lines),
        }
        return Response(LogTailSerializer(tail).data)

    @extend_schema(
        responses=TimelineStepSerializer(many=True), summary="The restore's steps and when each was reached"
    )
    @action(detail=True, methods=["get"], pagination_class=None)  # a handful of steps: one list
    def timeline(self, request, pk=None):
        return Response(TimelineStepSerializer(selectors.timeline(self.get_object()), many=True).data)
