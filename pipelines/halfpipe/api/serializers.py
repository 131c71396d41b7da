"""Serializers of HalfPipe's API: downlinks, their chunks, data runs with their merge versions."""

from rest_framework import serializers

from l2portal.portal.api.tracked import TrackedSerializer
from l2portal.registry.api.serializers import ProductRefSerializer

from ..models import Chunk, DataRun, Downlink, MergeVersion


class DownlinkSerializer(TrackedSerializer):
    chunks_done = serializers.IntegerField(read_only=True)
    chunks_failed = serializers.IntegerField(read_only=True)
    runs_count = serializers.IntegerField(read_only=True, help_text="runs it adds events to")

    class Meta(TrackedSerializer.Meta):
        model = Downlink
        fields = [
            "id",
            "downlink_id",
            "chunk_count",
            "folder",
            "generated_at",
            "chunks_done",
            "chunks_failed",
            "runs_count",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]


class ChunkSerializer(TrackedSerializer):
    downlink = serializers.IntegerField(source="downlink.downlink_id", read_only=True)

    class Meta(TrackedSerializer.Meta):
        model = Chunk
        fields = [
            "id",
            "downlink",
            "number",
            "filename",
            "retdef",
            "size",
            "sha256",
            "span_start",
            "span_stop",
            "runs",
            "records",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]


class MergeVersionSerializer(serializers.ModelSerializer):
    downlink = serializers.IntegerField(source="downlink.downlink_id", read_only=True)
    file = ProductRefSerializer(source="product", read_only=True, allow_null=True)
    level1_ft1 = ProductRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MergeVersion
        fields = [
            "version",
            "downlink",
            "status",
            "events",
            "added",
            "duplicates",
            "records",
            "file",
            "level1_ft1",
            "merged_at",
        ]


class DataRunSerializer(TrackedSerializer):
    run_start_hex = serializers.CharField(source="hex_start", read_only=True)
    versions = MergeVersionSerializer(many=True, read_only=True)

    class Meta(TrackedSerializer.Meta):
        model = DataRun
        fields = [
            "id",
            "run_id",
            "run_start_hex",
            "versions",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]
