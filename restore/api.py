"""Restore requests over the API: request by MOUS uid, read the answer, plan, PPR, log and outputs,
cancel. Operators and scientists write; every signed-in user reads."""

import django_filters
from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from l2portal.ledger.api.serializers import ProductRefSerializer, TrackedSerializer
from l2portal.ledger.api.views import TrackedViewSet
from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.ledger.services import Actor
from l2portal.ledger.states import TransitionNotAllowed

from . import services
from .models import RestoreRequest, StagedFile

X80E = "uid://A001/X12a3/X80e"


class SessionRowSerializer(serializers.Serializer):
    eb_uid = serializers.CharField()
    qa0_status = serializers.CharField()
    ous_status_session = serializers.CharField(allow_null=True, help_text="session_N in OUSStatus order")
    manifest_session = serializers.CharField(allow_null=True)
    in_manifest = serializers.BooleanField()
    ppr_session = serializers.CharField(allow_null=True, help_text="the SESSION_n intent naming it")
    in_dataset = serializers.BooleanField()


class OutputSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="relative to the MOUS folder (working/...) or logs/...")
    kind = serializers.ChoiceField(choices=["file", "folder"])
    size = serializers.IntegerField()
    weblog = serializers.CharField(
        required=False, help_text="the weblog's index.html, for a pipeline-* folder"
    )


class TimelineStepSerializer(serializers.Serializer):
    state = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()


class StagedFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = StagedFile
        fields = [
            "kind",
            "name",
            "file_class",
            "relative_path",
            "expected_size",
            "expected_sha256",
            "size",
            "sha256",
            "status",
            "error",
            "attempts",
            "updated_at",
        ]


class RestoreRequestSerializer(TrackedSerializer):
    """A restore request as listed."""

    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta(TrackedSerializer.Meta):
        model = RestoreRequest
        fields = [
            "id",
            "mous_uid",
            "requested_by",
            "restorable",
            "restorable_reason",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
            "progress_done",
            "progress_total",
            "progress_note",
            "cancel_requested",
        ]


class RestoreRequestDetailSerializer(RestoreRequestSerializer):
    """Everything about one restore: the answer, plan, sessions, warnings, PPR, timeline, outputs."""

    sessions_table = SessionRowSerializer(many=True, read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    plan = serializers.JSONField(
        read_only=True,
        help_text="project, SOUS/GOUS, RelativePath, sessions, DataSet EBs, procedure, product files",
    )
    ppr = ProductRefSerializer(read_only=True, allow_null=True)
    outputs = OutputSerializer(many=True, read_only=True)
    staged_files = StagedFileSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()

    class Meta(RestoreRequestSerializer.Meta):
        fields = [
            *RestoreRequestSerializer.Meta.fields,
            "plan",
            "sessions_table",
            "warnings",
            "layout_root",
            "ppr",
            "log_path",
            "exit_code",
            "pid",
            "host",
            "staged_files",
            "outputs",
            "timeline",
        ]

    @extend_schema_field(TimelineStepSerializer(many=True))
    def get_timeline(self, restore):
        return TimelineStepSerializer(services.timeline(restore), many=True).data


class RestoreCreateSerializer(serializers.Serializer):
    mous_uid = serializers.CharField(max_length=64, help_text="member OUS uid, e.g. uid://A001/X12a3/X80e")


class LogTailSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="the pipeline log on the restore host")
    exit_code = serializers.IntegerField(allow_null=True)
    lines = serializers.ListField(child=serializers.CharField())


class RestoreRequestFilter(django_filters.FilterSet):
    requested_by = django_filters.CharFilter(field_name="requested_by__username")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = RestoreRequest
        fields = ["state", "mous_uid", "requested_by", "restorable", "cancel_requested", "since"]


REQUEST_EXAMPLE = OpenApiExample("Restore the seed MOUS", value={"mous_uid": X80E}, request_only=True)
RESPONSE_EXAMPLE = OpenApiExample(
    "Just requested",
    value={
        "id": 7,
        "mous_uid": X80E,
        "requested_by": "scientist",
        "restorable": None,
        "restorable_reason": "",
        "state": "requested",
        "state_label": "Requested",
        "progress_done": 0,
        "progress_total": 0,
        "progress_note": "",
        "cancel_requested": False,
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="Restore requests, newest first (filter by state, MOUS, requester)"),
    retrieve=extend_schema(summary="One restore: answer, sessions, warnings, PPR, timeline, outputs"),
)
class RestoreRequestViewSet(mixins.CreateModelMixin, TrackedViewSet):
    queryset = RestoreRequest.objects.select_related("requested_by")
    filterset_class = RestoreRequestFilter
    ordering_fields = ["created_at", "state_changed_at", "mous_uid"]
    write_roles = (OPERATOR, SCIENTIST)
    action_roles = {
        "create": (OPERATOR, SCIENTIST),
        "cancel": (OPERATOR, SCIENTIST),
    }

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-created_at", "-id")
        if self.action != "list":
            queryset = queryset.select_related("ppr").prefetch_related(
                "transitions", Prefetch("staged_files", queryset=StagedFile.objects.order_by("kind", "name"))
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return RestoreRequestSerializer
        if self.action == "create":
            return RestoreCreateSerializer
        return RestoreRequestDetailSerializer

    @extend_schema(
        request=RestoreCreateSerializer,
        responses={201: RestoreRequestDetailSerializer},
        examples=[REQUEST_EXAMPLE, RESPONSE_EXAMPLE],
        summary="Request a restore of an MOUS (operators, scientists); the archive check starts at once",
    )
    def create(self, request, *args, **kwargs):
        payload = RestoreCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            created = services.request_restore(payload.validated_data["mous_uid"], request.user)
        except services.RestoreRefused as error:
            return Response({"mous_uid": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        body = RestoreRequestDetailSerializer(self.get_queryset().get(pk=created.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: RestoreRequestDetailSerializer, 403: None, 409: None},
        summary="Cancel a restore (operators: any; scientists: their own); a running pipeline is stopped",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        restore = self.get_object()
        if not services.may_cancel(request.user, restore):
            raise PermissionDenied("scientists cancel only the restores they requested")
        try:
            services.cancel(restore, Actor.of_user(request.user))
        except TransitionNotAllowed as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
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
        ppr = services.ppr_bytes(restore)
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
            return Response({"lines": ["must be a whole number"]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            LogTailSerializer(
                {
                    "path": restore.log_path,
                    "exit_code": restore.exit_code,
                    "lines": services.log_tail(restore, lines),
                }
            ).data
        )

    @extend_schema(
        responses=TimelineStepSerializer(many=True), summary="The restore's steps and when each was reached"
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        return Response(TimelineStepSerializer(services.timeline(self.get_object()), many=True).data)


def register(router) -> None:
    router.register("restores", RestoreRequestViewSet)
