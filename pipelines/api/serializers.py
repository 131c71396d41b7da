"""Serializers of the pipelines API: what each resource shows, and the request bodies of its writes."""

from django.urls import reverse
from rest_framework import serializers

from l2portal.ledger.api.serializers import ProductRefSerializer, TrackedSerializer

from ..models import BtiSet, CampaignRun, FsscDelivery, ReprocessingCampaign, Switchover

# --- campaigns --------------------------------------------------------------------------------


class ReprocessingCampaignSerializer(TrackedSerializer):
    runs_total = serializers.IntegerField(read_only=True)
    runs_done = serializers.IntegerField(read_only=True)
    runs_failed = serializers.IntegerField(read_only=True)

    class Meta(TrackedSerializer.Meta):
        model = ReprocessingCampaign
        fields = [
            "id",
            "name",
            "first_run",
            "last_run",
            "description",
            "file_version",
            "proc_ver",
            "data_qual",
            "lat_config",
            "current_pass",
            "started_at",
            "runs_total",
            "runs_done",
            "runs_failed",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]
        read_only_fields = fields


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="processing name, e.g. P310; also the RUN collection's name")
    first_run = serializers.IntegerField(required=False, help_text="first run (MET) of a range")
    last_run = serializers.IntegerField(required=False, help_text="last run (MET) of a range")
    run_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="or an explicit list of runs"
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    lat_config = serializers.IntegerField(required=False, help_text="LAT_CONFIG (default from settings)")
    data_qual = serializers.IntegerField(required=False, help_text="DATA_QUAL before BTIs (default 2)")


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    working = serializers.IntegerField(help_text="runs being generated, flagged or validated now")
    remaining = serializers.IntegerField(help_text="runs neither done nor failed")
    percent = serializers.IntegerField()
    rate_per_hour = serializers.FloatField(allow_null=True, help_text="runs finished per hour, this pass")
    eta = serializers.DateTimeField(allow_null=True, help_text="estimated finish at the current rate")


class StartResultSerializer(serializers.Serializer):
    pass_number = serializers.IntegerField(source="pass")
    queued = serializers.IntegerField()
    retried = serializers.IntegerField(help_text="failed runs sent back to the step that failed")
    skipped = serializers.IntegerField(help_text="runs whose outputs are complete and valid")


class CampaignRunSerializer(TrackedSerializer):
    campaign = serializers.SlugRelatedField(slug_field="name", read_only=True)
    run_id = serializers.IntegerField(source="data_run.run_id", read_only=True)
    magic7 = ProductRefSerializer(read_only=True)
    ft2_1s_unflagged = ProductRefSerializer(read_only=True)
    ft2_30s_unflagged = ProductRefSerializer(read_only=True)
    ft2_1s = ProductRefSerializer(read_only=True)
    ft2_30s = ProductRefSerializer(read_only=True)
    bti_version = serializers.IntegerField(source="bti_set.version", read_only=True, allow_null=True)

    class Meta(TrackedSerializer.Meta):
        model = CampaignRun
        fields = [
            "id",
            "campaign",
            "run_id",
            "state",
            "state_label",
            "state_changed_at",
            "magic7",
            "ft2_1s_unflagged",
            "ft2_30s_unflagged",
            "ft2_1s",
            "ft2_30s",
            "bti_set",
            "bti_version",
            "parse_report",
            "velocity_worst",
            "velocity_passed",
            "fitsverify",
            "comparison",
            "comparison_summary",
            "qa_passed",
            "started_at",
            "finished_at",
            "created_at",
        ]
        read_only_fields = fields


# --- BTI sets ---------------------------------------------------------------------------------


class BtiIntervalSerializer(serializers.Serializer):
    start = serializers.FloatField(help_text="MET, s")
    stop = serializers.FloatField(help_text="MET, s (exclusive)")
    value = serializers.IntegerField(help_text="DATA_QUAL: 1 good, 3 good with bad parts, 0 bad, <0 special")


class BtiSetSerializer(serializers.ModelSerializer):
    run_id = serializers.IntegerField(source="data_run.run_id", read_only=True)
    intervals = BtiIntervalSerializer(many=True, read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = BtiSet
        fields = [
            "id",
            "run_id",
            "version",
            "creator_label",
            "reason",
            "submitted_at",
            "intervals",
            "created_at",
            "active",
        ]
        read_only_fields = fields

    def get_active(self, bti_set) -> bool:
        return bti_set.active_id == bti_set.pk


class BtiSubmitSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    intervals = BtiIntervalSerializer(many=True)


# --- FSSC -------------------------------------------------------------------------------------


class FsscProductSerializer(TrackedSerializer):
    product_id = serializers.IntegerField(source="product.id", read_only=True)
    filename = serializers.CharField(source="product.filename", read_only=True)
    path = serializers.CharField(source="product.path", read_only=True)
    product_type = serializers.CharField(source="product.product_type", read_only=True)
    size = serializers.IntegerField(source="product.size", read_only=True)
    sha256 = serializers.CharField(source="product.sha256", read_only=True)
    campaign = serializers.CharField(source="campaign_run.campaign.name", read_only=True)
    run_id = serializers.IntegerField(source="campaign_run.data_run.run_id", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta(TrackedSerializer.Meta):
        model = FsscDelivery
        fields = [
            "id",
            "product_id",
            "filename",
            "path",
            "product_type",
            "size",
            "sha256",
            "download_url",
            "campaign",
            "run_id",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_download_url(self, delivery) -> str:
        url = reverse("fssc-product-download", args=[delivery.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class MissingSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="what is missing, e.g. the file on disk")


class ReportSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=["transfer", "ingest"])
    result = serializers.ChoiceField(choices=["ok", "failed"])
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$", required=False, allow_blank=True, default="", help_text="required when ok"
    )
    message = serializers.CharField(required=False, allow_blank=True, default="")


# --- switchover -------------------------------------------------------------------------------


class SwitchoverSerializer(TrackedSerializer):
    campaign = serializers.SlugRelatedField(slug_field="name", queryset=ReprocessingCampaign.objects.all())

    class Meta(TrackedSerializer.Meta):
        model = Switchover
        fields = [
            "id",
            "campaign",
            "proposed_date",
            "proposed_by",
            "note",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]
        read_only_fields = ["proposed_by", "state", "state_changed_at", "created_at"]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
