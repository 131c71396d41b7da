"""Pipelines API: campaigns and their runs (bulk retry of failed runs too), BTI sets, and the FSSC's
endpoints (list products ready for transfer, download with range requests, report transfer and
ingest); the switchover's are in switchover_views, the downlinks' in downlink_views.

Writes go through pipelines.services, which check roles and refuse; the ledger's exception
handler answers their refusals."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.ledger.services import Actor
from l2portal.portal.api.schema import documented_reads, example, refusal_response
from l2portal.portal.api.tracked import TrackedViewSet, TransitionSerializer
from l2portal.portal.downloads import AnyMediaRenderer, ranged_file_response
from l2portal.registry.services import absolute_path

from .. import selectors, services
from ..filtersets import BtiSetFilter, CampaignRunFilter, FsscProductFilter
from ..models import CampaignRun, FsscDelivery
from . import examples as ex
from .serializers import (
    BackfillResultSerializer,
    BackfillSerializer,
    BtiSetSerializer,
    BtiSubmitSerializer,
    CampaignCreateSerializer,
    CampaignRunSerializer,
    FsscDifferencesSerializer,
    FsscFileListResultSerializer,
    FsscFileListSerializer,
    FsscProductSerializer,
    MissingSerializer,
    ProgressSerializer,
    ReportSerializer,
    ReprocessingCampaignSerializer,
    RetryRunsResultSerializer,
    RetryRunsSerializer,
    StartResultSerializer,
)


def create_through(viewset, request, form_class, make) -> Response:
    """Validate the request with ``form_class``, create through the service ``make`` and answer
    201 with the viewset's serializer."""
    form = form_class(data=request.data)
    form.is_valid(raise_exception=True)
    created = make(actor=Actor.of_user(request.user), **form.validated_data)
    return Response(viewset.get_serializer(viewset.get_queryset().get(pk=created.pk)).data, status=201)


# --- campaigns --------------------------------------------------------------------------------


@documented_reads("Reprocessing campaigns with run counts", "One campaign", "Campaign", ex.CAMPAIGN_EXAMPLE)
class ReprocessingCampaignViewSet(mixins.CreateModelMixin, TrackedViewSet):
    queryset = selectors.annotated_campaigns()
    serializer_class = ReprocessingCampaignSerializer
    filterset_fields = ["state", "name"]

    @extend_schema(
        request=CampaignCreateSerializer,
        responses={
            201: ReprocessingCampaignSerializer,
            400: refusal_response(
                400, "Refused: the name or the run selection is wrong; nothing changed", ex.CAMPAIGN_REFUSED
            ),
        },
        summary="Define a campaign over a run range or list (operators)",
        examples=[
            example("Run range", ex.CAMPAIGN_BY_RANGE, request=True),
            example("Run list", ex.CAMPAIGN_BY_LIST, request=True),
            example("Created", ex.CAMPAIGN_CREATED, status_code=201),
        ],
    )
    def create(self, request, *args, **kwargs):
        return create_through(self, request, CampaignCreateSerializer, services.create_campaign)

    @extend_schema(
        request=None,
        responses={202: StartResultSerializer},
        summary="Start or re-run the campaign: one task per run not yet complete (operators)",
        examples=[example("Started", ex.START_RESULT_EXAMPLE, status_code=202)],
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        result = services.start_campaign(self.get_object(), Actor.of_user(request.user))
        return Response(StartResultSerializer(result).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            200: TransitionSerializer,
            409: refusal_response(
                409, "Refused: not validated, or runs have files without a livetime source", ex.NO_LIVETIME
            ),
        },
        summary="Release a validated campaign (operators); never with runs lacking livetime",
        examples=[example("Released", ex.RELEASED_EXAMPLE)],
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        row = services.release_campaign(self.get_object(), Actor.of_user(request.user))
        return Response(TransitionSerializer(row).data)

    @extend_schema(
        request=BackfillSerializer,
        responses={
            202: BackfillResultSerializer,
            400: refusal_response(
                400, "Refused: the run is not after the campaign's last", ex.BACKFILL_REFUSED
            ),
        },
        summary="Backfill: the runs registered up to a later run join the campaign as a new pass (operators)",
        examples=[
            example("Backfill", ex.BACKFILL_REQUEST, request=True),
            example("Added", ex.BACKFILL_RESULT, status_code=202),
        ],
    )
    @action(detail=True, methods=["post"])
    def backfill(self, request, pk=None):
        form = BackfillSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = services.backfill_campaign(
            self.get_object(), form.validated_data["last_run"], Actor.of_user(request.user)
        )
        return Response(BackfillResultSerializer(result).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=RetryRunsSerializer,
        responses={
            202: RetryRunsResultSerializer,
            400: refusal_response(
                400, "Refused: no run given, or runs the campaign does not have", ex.UNKNOWN_RUNS
            ),
            409: refusal_response(
                409, "Refused: a selected run is not failed; nothing was retried", ex.RUNS_NOT_FAILED
            ),
        },
        summary="Retry the selected failed runs, each from the step it failed in, all or none (operators)",
        examples=[
            example("Runs", ex.RETRY_RUNS_REQUEST, request=True),
            example("Retried", ex.RETRY_RUNS_RESULT, status_code=202),
        ],
    )
    @action(detail=True, methods=["post"], url_path="retry-runs")
    def retry_runs(self, request, pk=None):
        form = RetryRunsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = services.retry_failed_runs(
            self.get_object(), form.validated_data["run_ids"], Actor.of_user(request.user)
        )
        return Response(RetryRunsResultSerializer(result).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=FsscFileListSerializer,
        responses={200: FsscFileListResultSerializer},
        summary="The FSSC's list of the run files it holds for this campaign; replaces its previous list "
        "(FSSC, operators)",
        examples=[
            example("Files held", ex.FSSC_FILE_LIST, request=True),
            example("Compared", ex.FSSC_FILE_LIST_RESULT),
        ],
    )
    @action(detail=True, methods=["post"], url_path="fssc-files")
    def fssc_files(self, request, pk=None):
        form = FsscFileListSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = services.record_fssc_files(
            self.get_object(), form.validated_data["files"], Actor.of_user(request.user)
        )
        return Response(FsscFileListResultSerializer(result).data)

    @extend_schema(
        responses=FsscDifferencesSerializer,
        summary="The FSSC's list against our files: missing there, unknown to us, other checksums",
        examples=[example("Differences", ex.FSSC_DIFFERENCES)],
    )
    @action(detail=True, methods=["get"], url_path="fssc-differences")
    def fssc_differences(self, request, pk=None):
        return Response(FsscDifferencesSerializer(selectors.fssc_differences(self.get_object())).data)

    @extend_schema(
        responses=ProgressSerializer,
        summary="Done, failed and remaining runs, rate and estimated finish",
        examples=[example("Progress", ex.PROGRESS_EXAMPLE)],
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        progress = selectors.campaign_progress(self.get_object())
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


@documented_reads(
    "Runs of campaigns with their products and QA (filter by campaign, state)",
    "One campaign run",
    "Campaign run",
    ex.CAMPAIGN_RUN_EXAMPLE,
)
class CampaignRunViewSet(TrackedViewSet):
    """Retry (operators) sends a failed run back to the step that failed, alone."""

    queryset = CampaignRun.objects.select_related(
        "campaign",
        "data_run",
        "previous_1s",
        "previous_30s",
        "magic7",
        "ft2_1s_unflagged",
        "ft2_30s_unflagged",
        "ft2_1s",
        "ft2_30s",
        "bti_set",
    )
    serializer_class = CampaignRunSerializer
    filterset_class = CampaignRunFilter

    @extend_schema(
        request=None,
        responses={
            200: FsscProductSerializer(many=True),
            409: refusal_response(
                409, "Refused: not ready, or its files have no livetime source", ex.NO_LIVETIME
            ),
        },
        summary="Offer a ready run's files to the FSSC (operators); never without livetime",
    )
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        deliveries = services.offer_run_to_fssc(self.get_object(), Actor.of_user(request.user))
        return Response(FsscProductSerializer(deliveries, many=True, context={"request": request}).data)


# --- BTI sets ---------------------------------------------------------------------------------


@documented_reads("BTI sets, newest version first", "One BTI set", "BTI set", ex.BTI_EXAMPLE, tracked=False)
class BtiSetViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Submitted sets never change; the most recent one of a run is its active set."""

    queryset = selectors.bti_sets()
    serializer_class = BtiSetSerializer
    filterset_class = BtiSetFilter

    @extend_schema(
        request=BtiSubmitSerializer,
        responses={
            201: BtiSetSerializer,
            400: refusal_response(
                400, "Refused: unknown run, no or malformed intervals; nothing changed", ex.BTI_REFUSED
            ),
        },
        summary="Submit a new BTI set version for a run; it becomes active (operators)",
        examples=[
            example("Flare", ex.BTI_SUBMISSION, request=True),
            example("Submitted", ex.BTI_EXAMPLE, status_code=201),
        ],
    )
    def create(self, request, *args, **kwargs):
        return create_through(self, request, BtiSubmitSerializer, services.submit_bti_set)


# --- FSSC -------------------------------------------------------------------------------------


@documented_reads(
    "Products offered to the FSSC (filter by campaign, type, state, since)",
    "One offered product",
    "Ready file",
    ex.FSSC_PRODUCT_EXAMPLE,
)
class FsscProductViewSet(TrackedViewSet):
    """For the FSSC token and operators. Products appear per run as soon as the run is validated,
    so batches can be pulled while the campaign is still running."""

    queryset = FsscDelivery.objects.select_related(
        "product", "campaign_run__campaign", "campaign_run__data_run"
    ).order_by("created_at", "id")
    serializer_class = FsscProductSerializer
    filterset_class = FsscProductFilter
    read_roles = (FSSC, OPERATOR)

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
            404: OpenApiResponse(MissingSerializer, description="no such product, or its file is missing"),
            416: OpenApiResponse(description="range beyond the end; Content-Range: bytes */size"),
        },
        summary="Download the file (authenticated; HTTP range requests supported)",
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyMediaRenderer])
    def download(self, request, pk=None):
        product = self.get_object().product
        path = absolute_path(product)
        if not path.is_file():
            raise NotFound(f"{product.path} is missing on disk")
        return ranged_file_response(
            path, request.headers.get("Range", ""), "application/fits", product.filename, product.sha256
        )

    @extend_schema(
        request=ReportSerializer,
        responses={
            200: FsscProductSerializer,
            409: refusal_response(
                409,
                "Refused: the sha256 is not the registered one, or the file's state does not allow "
                "the report; nothing changed",
                ex.CHECKSUM_MISMATCH,
            ),
        },
        summary="Report the transfer or ingest result of one file, with its sha256 (FSSC, operators)",
        examples=[
            example("Transferred", ex.TRANSFERRED_REPORT, request=True),
            example("Ingest failed", ex.INGEST_FAILED_REPORT, request=True),
            example("After the report", ex.FSSC_PRODUCT_EXAMPLE | {"state": "transferred"}),
        ],
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        delivery = self.get_object()
        form = ReportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.report_delivery(delivery, Actor.of_user(request.user), **form.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)
