"""BTI sets: read them, submit a new version of a run's set."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets

from l2portal.portal.api.schema import documented_reads, example, refusal_response

from .. import selectors, services
from ..filtersets import BtiSetFilter
from . import examples as ex
from .create import create_through
from .serializers import BtiSetSerializer, BtiSubmitSerializer


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
