"""Restore requests over the API. Every signed-in user reads; the services decide who writes
(operators and scientists request; operators cancel any restore, scientists their own)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from l2portal.ledger.api.views import TrackedViewSet
from l2portal.ledger.services import Actor

from .. import selectors, services
from ..filtersets import RestoreRequestFilter
from ..models import RestoreRequest
from .examples import NOT_A_MOUS_UID, REQUEST_EXAMPLE, RESPONSE_EXAMPLE
from .serializers import (
    LogTailSerializer,
    RestoreCreateSerializer,
    RestoreRequestDetailSerializer,
    RestoreRequestSerializer,
    TimelineStepSerializer,
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
        responses={201: RestoreRequestDetailSerializer, 400: NOT_A_MOUS_UID},
        examples=[REQUEST_EXAMPLE, RESPONSE_EXAMPLE],
        summary="Request a restore of an MOUS (operators, scientists); the archive check starts at once",
    )
    def create(self, request, *args, **kwargs):
        payload = RestoreCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = services.request_restore(payload.validated_data["mous_uid"], Actor.of_user(request.user))
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

    @extend_schema(
        parameters=[
            OpenApiParameter("download", OpenApiTypes.BOOL, description="as an attachment (file download)")
        ],
        responses={(200, "application/xml"): OpenApiTypes.STR, 404: None},
        summary="The validated PPR (XML), once the restore is prepared",
    )
    @action(detail=True, methods=["get"])
    def ppr(self, request, pk=None):
        restore = self.get_object()
        ppr = selectors.ppr_bytes(restore)
        if ppr is None:
            raise NotFound("no PPR yet: it is built once the files are staged")
        response = HttpResponse(ppr, content_type="application/xml")
        if request.query_params.get("download") in {"1", "true", "yes"}:
            response["Content-Disposition"] = f'attachment; filename="{restore.ppr.filename}"'
        return response

    @extend_schema(
        parameters=[OpenApiParameter("lines", OpenApiTypes.INT, description="how many lines (default 200)")],
        responses=LogTailSerializer,
        summary="The tail of the pipeline log (poll it while the restore runs)",
    )
    @action(detail=True, methods=["get"])
    def log(self, request, pk=None):
        restore = self.get_object()
        try:
            lines = min(max(int(request.query_params.get("lines", 200)), 1), 5000)
        except ValueError:
            raise ValidationError({"lines": ["must be a whole number"]}) from None
        tail = {
            "path": restore.log_path,
            "exit_code": restore.exit_code,
            "lines": selectors.log_tail(restore, lines),
        }
        return Response(LogTailSerializer(tail).data)

    @extend_schema(
        responses=TimelineStepSerializer(many=True), summary="The restore's steps and when each was reached"
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        return Response(TimelineStepSerializer(selectors.timeline(self.get_object()), many=True).data)
