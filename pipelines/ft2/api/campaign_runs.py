"""The runs of campaigns with their products and QA; offering a ready run's files to the FSSC."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from l2portal.ledger.services import Actor
from l2portal.portal.api.schema import documented_reads, refusal_response
from l2portal.portal.api.tracked import TrackedViewSet

from .. import services
from ..filtersets import CampaignRunFilter
from ..models import CampaignRun
from . import examples as ex
from .serializers import CampaignRunSerializer, FsscProductSerializer


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
