"""Pipelines API: campaigns and their runs, BTI sets, and the FSSC's endpoints (list products
ready for transfer, download with range requests, report transfer and ingest, switchover)."""

import django_filters
from django.db.models import Count, Q
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from l2portal.ledger.api.serializers import ProductRefSerializer, TrackedSerializer, TransitionSerializer
from l2portal.ledger.api.views import TrackedViewSet
from l2portal.ledger.downloads import AnyMediaRenderer, ranged_file_response
from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.ledger.services import Actor, absolute_path
from l2portal.ledger.states import TransitionNotAllowed

from . import services
from .models import (
    BtiSet,
    CampaignRun,
    DataRun,
    Downlink,
    FsscDelivery,
    ReprocessingCampaign,
    Switchover,
)

RUN = 545208791
SHA = "3f1c0d5e9a7b2c4d6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f"
FT2_1S = f"gll_pt1s_p310_r0{RUN}_v001.fit"


def example(name, value, *, request=False, status_code=200):
    return OpenApiExample(
        name,
        value=value,
        request_only=request,
        response_only=not request,
        status_codes=[str(status_code)] if not request else None,
    )


TRANSITION_EXAMPLE = {
    "id": 7,
    "from_state": "error",
    "to_state": "generating",
    "at": "2026-11-21T12:05:00Z",
    "actor": "operator",
    "actor_task": "",
    "actor_task_id": "",
    "reason": "operator retry",
    "details": {"retry_of": 6},
}


def documented_reads(list_summary: str, one_summary: str, name: str, value: dict, tracked: bool = True):
    """Schema of a viewset's list and retrieve, each with an example item, and for a tracked one
    of its inherited history and retry."""
    reads = {
        "list": extend_schema(summary=list_summary, examples=[example(name, value)]),
        "retrieve": extend_schema(summary=one_summary, examples=[example(name, value)]),
    }
    if not tracked:
        return extend_schema_view(**reads)
    return extend_schema_view(
        **reads,
        history=extend_schema(examples=[example("History", TRANSITION_EXAMPLE)]),  # paginated by spectacular
        retry=extend_schema(examples=[example("Retried", TRANSITION_EXAMPLE)]),
    )


def refused(error: Exception, code=status.HTTP_409_CONFLICT) -> Response:
    return Response({"detail": str(error)}, status=code)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


def create_through(viewset, request, form_class, make, refusal: type[Exception]) -> Response:
    """Validate the request with ``form_class``, create through the service ``make`` (400 with
    its reason when it refuses) and answer with the viewset's serializer."""
    form = form_class(data=request.data)
    form.is_valid(raise_exception=True)
    try:
        created = make(actor=Actor.of_user(request.user), **form.validated_data)
    except refusal as error:
        return refused(error, status.HTTP_400_BAD_REQUEST)
    return Response(viewset.get_serializer(viewset.get_queryset().get(pk=created.pk)).data, status=201)


REFUSAL = OpenApiResponse(
    response=DetailSerializer,
    description="refused; the detail says why and nothing changed",
    examples=[
        example(
            "Refused",
            {"detail": "reprocessing campaign P310: cannot move from 'running' to 'running'"},
            status_code=409,
        )
    ],
)


# --- campaigns ----------------------------------------------------------------------------


class DownlinkSerializer(TrackedSerializer):
    class Meta(TrackedSerializer.Meta):
        model = Downlink
        fields = [
            "id",
            "downlink_id",
            "chunk_count",
            "state",
            "state_label",
            "state_changed_at",
            "created_at",
        ]


class DataRunSerializer(TrackedSerializer):
    class Meta(TrackedSerializer.Meta):
        model = DataRun
        fields = ["id", "run_id", "state", "state_label", "state_changed_at", "created_at"]


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


CAMPAIGN_EXAMPLE = {
    "id": 1,
    "name": "P310",
    "first_run": RUN,
    "last_run": 546407418,
    "description": "Add SC_VELOCITY to FT2; apply BTIs",
    "file_version": 1,
    "proc_ver": 310,
    "data_qual": 2,
    "lat_config": 1,
    "current_pass": 1,
    "started_at": "2026-11-21T12:00:00Z",
    "runs_total": 14,
    "runs_done": 9,
    "runs_failed": 1,
    "state": "running",
    "state_label": "Running",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:58:00Z",
}


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


def annotated_campaigns():
    return ReprocessingCampaign.objects.annotate(
        runs_total=Count("campaign_runs"),
        runs_done=Count("campaign_runs", filter=Q(campaign_runs__state__in=services.RUN_DONE_STATES)),
        runs_failed=Count("campaign_runs", filter=Q(campaign_runs__state="error")),
    )


@documented_reads("Reprocessing campaigns with run counts", "One campaign", "Campaign", CAMPAIGN_EXAMPLE)
class ReprocessingCampaignViewSet(mixins.CreateModelMixin, TrackedViewSet):
    queryset = annotated_campaigns()
    serializer_class = ReprocessingCampaignSerializer
    filterset_fields = ["state", "name"]

    @extend_schema(
        request=CampaignCreateSerializer,
        responses={201: ReprocessingCampaignSerializer, 400: REFUSAL},
        summary="Define a campaign over a run range or list (operators)",
        examples=[
            example("Run range", {"name": "P310", "first_run": RUN, "last_run": 546407418}, request=True),
            example("Run list", {"name": "P311", "run_ids": [RUN, 545294791]}, request=True),
            example("Created", CAMPAIGN_EXAMPLE | {"state": "defined", "current_pass": 0}, status_code=201),
        ],
    )
    def create(self, request, *args, **kwargs):
        return create_through(
            self, request, CampaignCreateSerializer, services.create_campaign, services.CampaignError
        )

    @extend_schema(
        request=None,
        responses={202: StartResultSerializer, 409: REFUSAL},
        summary="Start or re-run the campaign: one task per run not yet complete (operators)",
        examples=[
            example("Started", {"pass_number": 2, "queued": 1, "retried": 1, "skipped": 12}, status_code=202)
        ],
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        try:
            result = services.start_campaign(self.get_object(), Actor.of_user(request.user))
        except TransitionNotAllowed as error:
            return refused(error)
        return Response(StartResultSerializer(result).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={200: TransitionSerializer, 409: REFUSAL},
        summary="Release a validated campaign (operators)",
        examples=[
            example(
                "Released",
                {
                    "id": 7,
                    "from_state": "validated",
                    "to_state": "released",
                    "at": "2026-11-22T09:00:00Z",
                    "actor": "operator",
                    "actor_task": "",
                    "actor_task_id": "",
                    "reason": "released",
                    "details": {},
                },
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        try:
            row = services.release_campaign(self.get_object(), Actor.of_user(request.user))
        except TransitionNotAllowed as error:
            return refused(error)
        return Response(TransitionSerializer(row).data)

    @extend_schema(
        responses=ProgressSerializer,
        summary="Done, failed and remaining runs, rate and estimated finish",
        examples=[
            example(
                "Progress",
                {
                    "total": 14,
                    "done": 9,
                    "failed": 1,
                    "working": 1,
                    "remaining": 4,
                    "percent": 64,
                    "rate_per_hour": 120.0,
                    "eta": "2026-11-21T12:09:00Z",
                },
            )
        ],
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        progress = services.campaign_progress(self.get_object())
        return Response(
            ProgressSerializer(
                {
                    **{f: getattr(progress, f) for f in ("total", "done", "failed", "working", "percent")},
                    "remaining": progress.remaining,
                    "rate_per_hour": progress.rate_per_hour,
                    "eta": progress.eta,
                }
            ).data
        )


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


def _ref(pk, path, product_type):
    return {"id": pk, "path": path, "product_type": product_type, "sha256": SHA}


CAMPAIGN_RUN_EXAMPLE = {
    "id": 3,
    "campaign": "P310",
    "run_id": RUN,
    "state": "ready",
    "state_label": "Ready for FSSC",
    "state_changed_at": "2026-11-21T12:01:00Z",
    "magic7": _ref(10, f"RAW/magic7/raw_magic7_r0{RUN}_0a1b2c3d4e5f.txt", "magic7"),
    "ft2_1s_unflagged": _ref(
        11, f"P310/unflagged/gll_pt1s_p310_r0{RUN}_v001_unflagged.fit", "ft2_1s_unflagged"
    ),
    "ft2_30s_unflagged": _ref(
        12, f"P310/unflagged/gll_pt_p310_r0{RUN}_v001_unflagged.fit", "ft2_30s_unflagged"
    ),
    "ft2_1s": _ref(13, f"P310/{FT2_1S}", "ft2_1s"),
    "ft2_30s": _ref(14, f"P310/gll_pt_p310_r0{RUN}_v001.fit", "ft2_30s"),
    "bti_set": 2,
    "bti_version": 1,
    "parse_report": {
        "summary": "3605 lines: 3004 ATT, 601 ORB, no malformed lines",
        "counts": {},
        "problems": [],
    },
    "velocity_worst": 0.72,
    "velocity_passed": True,
    "fitsverify": "ok",
    "comparison": "same",
    "comparison_summary": "1s vs P300: no column other than the allowed ones changed",
    "qa_passed": True,
    "started_at": "2026-11-21T12:00:01Z",
    "finished_at": "2026-11-21T12:00:04Z",
    "created_at": "2026-11-21T11:58:00Z",
}


class CampaignRunFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign__name")
    run_id = django_filters.NumberFilter(field_name="data_run__run_id")

    class Meta:
        model = CampaignRun
        fields = ["campaign", "state", "run_id", "qa_passed"]


@documented_reads(
    "Runs of campaigns with their products and QA (filter by campaign, state)",
    "One campaign run",
    "Campaign run",
    CAMPAIGN_RUN_EXAMPLE,
)
class CampaignRunViewSet(TrackedViewSet):
    """Retry (operators) sends a failed run back to the step that failed, alone."""

    queryset = CampaignRun.objects.select_related(
        "campaign",
        "data_run",
        "magic7",
        "ft2_1s_unflagged",
        "ft2_30s_unflagged",
        "ft2_1s",
        "ft2_30s",
        "bti_set",
    )
    serializer_class = CampaignRunSerializer
    filterset_class = CampaignRunFilter


# --- BTI sets -----------------------------------------------------------------------------


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


BTI_EXAMPLE = {
    "id": 2,
    "run_id": RUN,
    "version": 2,
    "creator_label": "operator",
    "reason": "solar flare",
    "submitted_at": "2026-11-21T12:00:00Z",
    "intervals": [{"start": RUN + 30.0, "stop": RUN + 90.0, "value": -1}],
    "created_at": "2026-11-21T12:00:00Z",
    "active": True,
}


class BtiSetFilter(django_filters.FilterSet):
    run_id = django_filters.NumberFilter(field_name="data_run__run_id")

    class Meta:
        model = BtiSet
        fields = ["run_id", "version"]


@documented_reads("BTI sets, newest version first", "One BTI set", "BTI set", BTI_EXAMPLE, tracked=False)
class BtiSetViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Submitted sets never change; the most recent one of a run is its active set."""

    queryset = (
        BtiSet.objects.select_related("data_run")
        .prefetch_related("intervals")
        .annotate(active_id=services.active_bti_subquery())
    )
    serializer_class = BtiSetSerializer
    filterset_class = BtiSetFilter

    @extend_schema(
        request=BtiSubmitSerializer,
        responses={201: BtiSetSerializer, 400: REFUSAL},
        summary="Submit a new BTI set version for a run; it becomes active (operators)",
        examples=[
            example(
                "Flare",
                {
                    "run_id": RUN,
                    "reason": "solar flare",
                    "intervals": [{"start": RUN + 30.0, "stop": RUN + 90.0, "value": -1}],
                },
                request=True,
            ),
            example("Submitted", BTI_EXAMPLE, status_code=201),
        ],
    )
    def create(self, request, *args, **kwargs):
        return create_through(
            self, request, BtiSubmitSerializer, services.submit_bti_set, services.BtiRefused
        )


# --- FSSC ---------------------------------------------------------------------------------


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


FSSC_PRODUCT_EXAMPLE = {
    "id": 21,
    "product_id": 13,
    "filename": FT2_1S,
    "path": f"P310/{FT2_1S}",
    "product_type": "ft2_1s",
    "size": 1048320,
    "sha256": SHA,
    "download_url": "https://l2portal.example.org/api/fssc/products/21/download/",
    "campaign": "P310",
    "run_id": RUN,
    "state": "ready",
    "state_label": "Ready for transfer",
    "state_changed_at": "2026-11-21T12:00:04Z",
    "created_at": "2026-11-21T12:00:04Z",
}


class ReportSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=["transfer", "ingest"])
    result = serializers.ChoiceField(choices=["ok", "failed"])
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$", required=False, allow_blank=True, default="", help_text="required when ok"
    )
    message = serializers.CharField(required=False, allow_blank=True, default="")


class FsscProductFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign_run__campaign__name")
    product_type = django_filters.CharFilter(field_name="product__product_type")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = FsscDelivery
        fields = ["campaign", "product_type", "state", "since"]


FSSC_ROLES = (FSSC, OPERATOR)


@documented_reads(
    "Products offered to the FSSC (filter by campaign, type, state, since)",
    "One offered product",
    "Ready file",
    FSSC_PRODUCT_EXAMPLE,
)
class FsscProductViewSet(TrackedViewSet):
    """For the FSSC token and operators. Products appear per run as soon as the run is validated,
    so batches can be pulled while the campaign is still running."""

    queryset = FsscDelivery.objects.select_related(
        "product", "campaign_run__campaign", "campaign_run__data_run"
    ).order_by("created_at", "id")
    serializer_class = FsscProductSerializer
    filterset_class = FsscProductFilter
    action_roles = {
        **dict.fromkeys(("list", "retrieve", "history", "download", "report"), FSSC_ROLES),
    }

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "Range",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="one byte range, e.g. bytes=0-2879",
                examples=[OpenApiExample("First FITS block", value="bytes=0-2879")],
            )
        ],
        responses={
            (200, "application/fits"): OpenApiResponse(OpenApiTypes.BINARY, description="the whole file"),
            (206, "application/fits"): OpenApiResponse(
                OpenApiTypes.BINARY, description="the requested range"
            ),
            404: OpenApiResponse(DetailSerializer, description="no such product, or its file is missing"),
            416: OpenApiResponse(description="range beyond the end; Content-Range: bytes */size"),
        },
        summary="Download the file (authenticated; HTTP range requests supported)",
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyMediaRenderer])
    def download(self, request, pk=None):
        product = self.get_object().product
        if not absolute_path(product).is_file():
            return Response(
                {"detail": f"{product.path} is missing on disk"}, status=status.HTTP_404_NOT_FOUND
            )
        return ranged_file_response(
            absolute_path(product),
            request.headers.get("Range", ""),
            "application/fits",
            product.filename,
            product.sha256,
        )

    @extend_schema(
        request=ReportSerializer,
        responses={200: FsscProductSerializer, 409: REFUSAL},
        summary="Report the transfer or ingest result of one file, with its sha256",
        examples=[
            example("Transferred", {"stage": "transfer", "result": "ok", "sha256": SHA}, request=True),
            example(
                "Ingest failed",
                {"stage": "ingest", "result": "failed", "message": "FITS header rejected"},
                request=True,
            ),
            example("After the report", FSSC_PRODUCT_EXAMPLE | {"state": "transferred"}),
            example(
                "Wrong checksum",
                {
                    "detail": f"{FT2_1S}: the FSSC reports sha256 00ff... but the registered sha256 "
                    f"is {SHA}; the transfer is not accepted and the file stays ready"
                },
                status_code=409,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        delivery = self.get_object()
        form = ReportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.report_delivery(delivery, Actor.of_user(request.user), **form.validated_data)
        except (services.ChecksumMismatch, TransitionNotAllowed) as error:
            return refused(error)
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)


# --- switchover ---------------------------------------------------------------------------


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


SWITCHOVER_EXAMPLE = {
    "id": 1,
    "campaign": "P310",
    "proposed_date": "2026-12-01",
    "proposed_by": "operator",
    "note": "FSSC switches the public FT2 files to P310",
    "state": "operator_agreed",
    "state_label": "Agreed by operator",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:00:00Z",
}


@documented_reads("Switchovers", "One switchover", "Switchover", SWITCHOVER_EXAMPLE)
class SwitchoverViewSet(mixins.CreateModelMixin, TrackedViewSet):
    """Proposed by an operator, agreed by an operator and by the FSSC, then done (history is append-only)."""

    queryset = Switchover.objects.select_related("campaign")
    serializer_class = SwitchoverSerializer
    filterset_fields = ["state", "campaign"]

    @extend_schema(
        summary="Propose a switchover date (operators)",
        examples=[
            example(
                "Proposal", {"campaign": "P310", "proposed_date": "2026-12-01", "note": ""}, request=True
            ),
            example(
                "Proposed",
                SWITCHOVER_EXAMPLE | {"state": "proposed", "state_label": "Proposed"},
                status_code=201,
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        switchover = services.propose_switchover(
            form.validated_data["campaign"],
            form.validated_data["proposed_date"],
            Actor.of_user(request.user),
            form.validated_data.get("note", ""),
        )
        return Response(self.get_serializer(switchover).data, status=201)

    def _step(self, request, move):
        switchover = self.get_object()
        try:
            move(switchover)
        except TransitionNotAllowed as error:
            return refused(error)
        return Response(self.get_serializer(switchover).data)

    @extend_schema(
        request=None,
        responses={200: SwitchoverSerializer, 409: REFUSAL},
        summary="Agree to the date (operator or FSSC; both are needed)",
        examples=[
            example(
                "Agreed by both", SWITCHOVER_EXAMPLE | {"state": "agreed", "state_label": "Agreed by both"}
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        return self._step(request, lambda s: services.agree_switchover(s, request.user))

    @extend_schema(
        request=NoteSerializer,
        responses={200: SwitchoverSerializer, 409: REFUSAL},
        summary="The switch is made (operators); a validated campaign is released",
        examples=[
            example("Note", {"note": "FSSC serves P310 since 09:00 UTC"}, request=True),
            example("Done", SWITCHOVER_EXAMPLE | {"state": "done", "state_label": "Done"}),
        ],
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        note = NoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        actor = Actor.of_user(request.user)
        return self._step(
            request, lambda s: services.complete_switchover(s, actor, note.validated_data["note"])
        )

    @extend_schema(
        request=NoteSerializer,
        responses={200: SwitchoverSerializer, 409: REFUSAL},
        summary="Cancel the switchover (operators)",
        examples=[
            example("Cancelled", SWITCHOVER_EXAMPLE | {"state": "cancelled", "state_label": "Cancelled"})
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        note = NoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        actor = Actor.of_user(request.user)
        return self._step(
            request, lambda s: services.cancel_switchover(s, actor, note.validated_data["note"])
        )


# --- downlinks and data runs ----------------------------------------------------------------

DOWNLINK_EXAMPLE = {
    "id": 1,
    "downlink_id": 230401001,
    "chunk_count": 4,
    "state": "chunked",
    "state_label": "Chunked",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:00:00Z",
}
DATA_RUN_EXAMPLE = {
    "id": 1,
    "run_id": RUN,
    "state": "open",
    "state_label": "Open",
    "state_changed_at": "2026-11-21T12:00:00Z",
    "created_at": "2026-11-21T11:00:00Z",
}


@documented_reads("Downlinks", "One downlink", "Downlink", DOWNLINK_EXAMPLE)
class DownlinkViewSet(TrackedViewSet):
    queryset = Downlink.objects.all()
    serializer_class = DownlinkSerializer
    filterset_fields = ["state", "downlink_id"]


@documented_reads("Data runs", "One data run", "Data run", DATA_RUN_EXAMPLE)
class DataRunViewSet(TrackedViewSet):
    queryset = DataRun.objects.all()
    serializer_class = DataRunSerializer
    filterset_fields = ["state", "run_id"]


def register(router) -> None:
    router.register("campaigns", ReprocessingCampaignViewSet)
    router.register("campaign-runs", CampaignRunViewSet)
    router.register("bti-sets", BtiSetViewSet)
    router.register("fssc/products", FsscProductViewSet, basename="fssc-product")
    router.register("switchovers", SwitchoverViewSet)
    router.register("runs", DataRunViewSet)
    router.register("downlinks", DownlinkViewSet)
