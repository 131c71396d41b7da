"""Serializers of the FT2 campaigns' API: what each resource shows, and the request bodies of its
writes."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from l2portal.portal.api.tracked import TrackedSerializer
from l2portal.portal.filtering import BIGINT
from l2portal.registry.api.serializers import ProductRefSerializer

from ...science import ft2science
from ..models import BtiSet, CampaignRun, FsscDelivery, ReprocessingCampaign, Switchover

# --- campaigns --------------------------------------------------------------------------------


class ReprocessingCampaignSerializer(TrackedSerializer):
    runs_total = serializers.IntegerField(read_only=True)
    runs_done = serializers.IntegerField(read_only=True)
    runs_failed = serializers.IntegerField(read_only=True)
    runs_without_livetime = serializers.IntegerField(
        read_only=True, help_text="runs whose files have no livetime source: the campaign cannot be released"
    )

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
            "definitions",
            "mode",
            "livetime_source",
            "backfills",
            "backfilled_to",
            "runs_total",
            "runs_done",
            "runs_failed",
            "runs_without_livetime",
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
    definitions = serializers.ChoiceField(
        choices=ft2science.available(), required=False, help_text="FT2 definition set (default from settings)"
    )
    mode = serializers.ChoiceField(
        choices=ReprocessingCampaign.Mode.choices,
        required=False,
        help_text="default: carry-forward where runs have a previous FT2 registered, else generate",
    )
    livetime_source = serializers.ChoiceField(
        choices=ReprocessingCampaign.LivetimeSource.choices,
        required=False,
        help_text="where generated files take LIVETIME from (default from settings)",
    )


class BackfillSerializer(serializers.Serializer):
    last_run = serializers.IntegerField(
        min_value=0,
        max_value=2**62,
        help_text="the run (MET) the backfill reaches, after the campaign's last",
    )


class BackfillResultSerializer(serializers.Serializer):
    pass_number = serializers.IntegerField(source="pass")
    queued = serializers.IntegerField()
    retried = serializers.IntegerField()
    skipped = serializers.IntegerField()
    added = serializers.IntegerField(help_text="runs that joined the campaign")


class RetryRunsSerializer(serializers.Serializer):
    run_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=2**62),
        max_length=10_000,
        help_text="data run ids (MET) of the campaign's failed runs to retry",
    )


class RetryRunsResultSerializer(serializers.Serializer):
    retried = serializers.ListField(
        child=serializers.IntegerField(), help_text="runs sent back to the step each failed in"
    )


class HeldFileSerializer(serializers.Serializer):
    filename = serializers.RegexField(r"^[A-Za-z0-9_.+-]{1,255}$", help_text="a run file's name")
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$")


class FsscFileListSerializer(serializers.Serializer):
    files = HeldFileSerializer(many=True, help_text="every run file of the campaign the FSSC holds")


class FsscFileListResultSerializer(serializers.Serializer):
    listed = serializers.IntegerField()
    missing = serializers.IntegerField(help_text="files of ours the FSSC does not hold")
    unknown = serializers.IntegerField(help_text="files the FSSC holds that we did not make")
    disagreeing = serializers.IntegerField(help_text="files both hold with different sha256")


class NamedFilesSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    files = serializers.ListField(child=serializers.CharField(), help_text="the first ones")


class DisagreementSerializer(serializers.Serializer):
    filename = serializers.CharField()
    fssc = serializers.CharField(help_text="sha256 the FSSC listed")
    ours = serializers.CharField(help_text="sha256 registered here")


class DisagreementsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    files = DisagreementSerializer(many=True)


class FsscDifferencesSerializer(serializers.Serializer):
    reported = serializers.BooleanField(help_text="whether the FSSC has sent a list")
    missing = NamedFilesSerializer(help_text="files of ours the FSSC does not hold")
    unknown = NamedFilesSerializer(help_text="files the FSSC holds that we did not make")
    disagreeing = DisagreementsSerializer(help_text="files both hold with different sha256")


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
    magic7 = ProductRefSerializer(read_only=True, allow_null=True)
    ft2_1s_unflagged = ProductRefSerializer(read_only=True, allow_null=True)
    ft2_30s_unflagged = ProductRefSerializer(read_only=True, allow_null=True)
    ft2_1s = ProductRefSerializer(read_only=True, allow_null=True)
    ft2_30s = ProductRefSerializer(read_only=True, allow_null=True)
    bti_version = serializers.IntegerField(source="bti_set.version", read_only=True, allow_null=True)
    previous_1s = ProductRefSerializer(read_only=True, allow_null=True)
    previous_30s = ProductRefSerializer(read_only=True, allow_null=True)

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
            "coverage",
            "velocity_worst",
            "velocity_passed",
            "fitsverify",
            "comparison",
            "comparison_summary",
            "comparison_details",
            "mode",
            "previous_1s",
            "previous_30s",
            "provenance",
            "livetime_source",
            "joined_pass",
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
    # DATA_QUAL is a 16-bit column of the FT2 file (TFORM "I").
    value = serializers.IntegerField(
        min_value=-(2**15),
        max_value=2**15 - 1,
        help_text="DATA_QUAL: 1 good, 3 good with bad parts, 0 bad, <0 special",
    )


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
    run_id = serializers.IntegerField(min_value=0, max_value=BIGINT)
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
            "l1_software",
            "l1_from",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]
        read_only_fields = ["proposed_by", "state", "state_changed_at", "created_at"]
        extra_kwargs = {
            "l1_software": {"required": True, "allow_blank": False},
            "l1_from": {"required": True, "allow_null": False},
        }


class ConditionSerializer(serializers.Serializer):
    name = serializers.CharField()
    met = serializers.BooleanField()
    detail = serializers.CharField(help_text="what holds, or what is missing")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReceiptSerializer(serializers.Serializer):
    """A receipt as recorded (its transition of the delivery): a repeat is answered with this one."""

    stage = serializers.CharField(source="details.stage")
    result = serializers.CharField(source="details.result")
    sha256 = serializers.CharField(source="details.sha256", default="")
    message = serializers.CharField(source="reason")
    state = serializers.CharField(source="to_state", help_text="the file's state it moved to")
    recorded_at = serializers.DateTimeField(source="at")


class ReportAnswerSerializer(FsscProductSerializer):
    receipt = serializers.SerializerMethodField()

    class Meta(FsscProductSerializer.Meta):
        fields = [*FsscProductSerializer.Meta.fields, "receipt"]
        read_only_fields = fields

    @extend_schema_field(ReceiptSerializer)
    def get_receipt(self, delivery) -> dict:
        return ReceiptSerializer(self.context["receipt"]).data
