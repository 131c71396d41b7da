"""Reprocessing campaigns: define, start or re-run, release, backfill, retry the selected failed runs,
the FSSC's file list and its differences with ours, progress. Writes go through the services,
which check roles and refuse; the portal's exception handler answers their refusals."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from l2portal.ledger.services import Actor
from l2portal.portal.api.schema import documented_reads, example, refusal_response
from l2portal.portal.api.tracked import TrackedViewSet, TransitionSerializer

from .. import selectors, services
from ..filtersets import ReprocessingCampaignFilter
from . import examples as ex
from .create import create_through
from .serializers import (
    BackfillResultSerializer,
    BackfillSerializer,
    CampaignCreateSerializer,
    FsscDifferencesSerializer,
    FsscFileListResultSerializer,
    FsscFileListSerializer,
    ProgressSerializer,
    ReprocessingCampaignSerializer,
    RetryRunsResultSerializer,
    RetryRunsSerializer,
    StartResultSerializer,
)


@documented_reads("Reprocessing campaigns with run counts", "One campaign", "Campaign", ex.CAMPAIGN_EXAMPLE)
class ReprocessingCampaignViewSet(mixins.CreateModelMixin, TrackedViewSet):
    queryset = selectors.annotated_campaigns()
    serializer_class = ReprocessingCampaignSerializer
    filterset_class = ReprocessingCampaignFilter

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
