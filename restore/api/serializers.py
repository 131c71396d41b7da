"""Shapes of the restore API's answers and requests."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from l2portal.portal.api.fields import TrueOrFalseField
from l2portal.portal.api.tracked import TrackedSerializer
from l2portal.registry.api.serializers import ProductRefSerializer
from l2portal.registry.models import Product

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


class OutputSerializer(serializers.ModelSerializer):
    """A file a pipeline run left, registered as a product (provenance: /api/products/{id}/provenance/)."""

    download = serializers.SerializerMethodField(help_text="GET it (HTTP ranges supported)")

    class Meta:
        model = Product
        fields = ["id", "path", "filename", "product_type", "size", "sha256", "metadata", "download"]

    def get_download(self, product) -> str:
        return reverse("restorerequest-output", args=[product.metadata["restore_request"], product.pk])


class WeblogSerializer(serializers.Serializer):
    context = serializers.CharField(help_text="the pipeline context folder, pipeline-<time>")
    run = serializers.IntegerField()
    page = serializers.CharField(help_text="its index.html, served from working/")


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
            "checksum_variant",
            "checksum",
            "size",
            "sha256",
            "status",
            "error",
            "attempts",
            "updated_at",
        ]


class RestoreRequestSerializer(TrackedSerializer):
    """A restore request as listed."""

    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

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
            "force_ppr",
        ]


class RestoreRequestDetailSerializer(RestoreRequestSerializer):
    """Everything about one restore: the answer, plan, sessions, warnings, PPR, timeline, outputs."""

    sessions_table = SessionRowSerializer(many=True, read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    plan = serializers.JSONField(
        read_only=True,
        help_text="project, SOUS/GOUS, RelativePath, sessions, DataSet EBs, route and why, what runs "
        "(PPR procedure or the generated script's calls), product files",
    )
    software = serializers.JSONField(read_only=True, help_text="pipeline commands and task list it runs with")
    ppr = ProductRefSerializer(read_only=True, allow_null=True)
    restore_script = ProductRefSerializer(read_only=True, allow_null=True)
    outputs = OutputSerializer(source="output_products", many=True, read_only=True)
    weblogs = serializers.SerializerMethodField()
    staged_files = StagedFileSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()

    class Meta(RestoreRequestSerializer.Meta):
        fields = [
            *RestoreRequestSerializer.Meta.fields,
            "plan",
            "sessions_table",
            "warnings",
            "software",
            "product_store",
            "layout_root",
            "ppr",
            "restore_script",
            "log_path",
            "exit_code",
            "pid",
            "host",
            "staged_files",
            "outputs",
            "weblogs",
            "timeline",
        ]

    @extend_schema_field(TimelineStepSerializer(many=True))
    def get_timeline(self, restore):
        return TimelineStepSerializer(selectors.timeline(restore), many=True).data

    @extend_schema_field(WeblogSerializer(many=True))
    def get_weblogs(self, restore):
        weblogs = [
            {
                "context": weblog["context"],
                "run": weblog["run"],
                "page": reverse("restore:weblog", args=[restore.pk, f"{weblog['context']}/html/index.html"]),
            }
            for weblog in selectors.weblogs(restore)
        ]
        return WeblogSerializer(weblogs, many=True).data


class RestoreCreateSerializer(serializers.Serializer):
    mous_uid = serializers.CharField(max_length=64, help_text="member OUS uid, e.g. uid://A001/X12a3/X80e")
    again = TrueOrFalseField(
        default=False, help_text="restore even if it is being or was restored the same way (409 otherwise)"
    )
    force_ppr = TrueOrFalseField(
        default=False,
        help_text="operators: the PPR route even where the restore script calls more than pipeline tasks",
    )


class LogQuerySerializer(serializers.Serializer):
    lines = serializers.IntegerField(min_value=1, max_value=5000, default=200, help_text="how many lines")


class LogTailSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="the pipeline log on the restore host")
    exit_code = serializers.IntegerField(allow_null=True)
    lines = serializers.ListField(child=serializers.CharField())
