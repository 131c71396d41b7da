"""The FSSC's endpoints: the products offered to it, their download (HTTP ranges), and the report of
their transfer and ingest."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from l2portal.ledger.roles import FSSC, OPERATOR
from l2portal.ledger.services import Actor
from l2portal.portal.api.schema import ErrorSerializer, documented_reads, example, refusal_response
from l2portal.portal.api.tracked import TrackedViewSet
from l2portal.portal.downloads import AnyMediaRenderer
from l2portal.registry.downloads import product_response

from .. import services
from ..filtersets import FsscProductFilter
from ..models import FsscDelivery
from . import examples as ex
from .serializers import FsscProductSerializer, ReportAnswerSerializer, ReportSerializer


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
            404: OpenApiResponse(ErrorSerializer, description="no such product, or its file is missing"),
            416: OpenApiResponse(description="range beyond the end; Content-Range: bytes */size"),
        },
        summary="Download the file (authenticated; HTTP range requests supported)",
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyMediaRenderer])
    def download(self, request, pk=None):
        return product_response(request, self.get_object().product, "application/fits")

    @extend_schema(
        request=ReportSerializer,
        responses={
            200: ReportAnswerSerializer,
            409: refusal_response(
                409,
                "Refused: the sha256 is not the registered one, a different receipt for this stage is "
                "recorded already, or the file's state does not allow the report; nothing changed",
                ex.CHECKSUM_MISMATCH,
            ),
        },
        summary="Report the transfer or ingest result of one file, with its sha256 (FSSC, operators)",
        description="A receipt is idempotent: sent again (a retry after a timeout) it is answered 200 "
        "with the receipt recorded the first time and changes nothing; a different receipt for a stage "
        "already recorded is refused (409, fssc_receipt_conflict). After a failed ingest the file may be "
        "pulled again and its transfer reported anew.",
        examples=[
            example("Transferred", ex.TRANSFERRED_REPORT, request=True),
            example("Ingest failed", ex.INGEST_FAILED_REPORT, request=True),
            example(
                "After the report", ex.FSSC_PRODUCT_EXAMPLE | {"state": "transferred", "receipt": ex.RECEIPT}
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        delivery = self.get_object()
        form = ReportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        receipt = services.report_delivery(delivery, Actor.of_user(request.user), **form.validated_data)
        answer = ReportAnswerSerializer(
            self.get_queryset().get(pk=delivery.pk),
            context={**self.get_serializer_context(), "receipt": receipt},
        )
        return Response(answer.data)
