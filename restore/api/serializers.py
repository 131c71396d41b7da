"""Shapes of the restore API's answers and requests."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from l2portal.ledger.api.serializers import ProductRefSerializer, TrackedSerializer

from .. import selectors
from ..models import RestoreRequest, StagedFile


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
        return TimelineStepSerializer(selectors.timeline(restore), many=True).data


class RestoreCreateSerializer(serializers.Serializer):
    mous_uid = serializers.CharField(max_length=64, help_text="member OUS uid, e.g. uid://A001/X12a3/X80e")


class LogTailSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="the pipeline log on the restore host")
    exit_code = serializers.IntegerField(allow_null=True)
    lines = serializers.ListField(child=serializers.CharField())
