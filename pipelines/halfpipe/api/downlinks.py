"""Downlinks with their chunks counted, filterable."""

from l2portal.portal.api.schema import documented_reads
from l2portal.portal.api.tracked import TrackedViewSet

from .. import selectors
from ..filtersets import DownlinkFilter
from . import examples as ex
from .serializers import DownlinkSerializer


@documented_reads(
    "Downlinks with chunk counts (filter by state, downlink id)",
    "One downlink",
    "Downlink",
    ex.DOWNLINK_EXAMPLE,
)
class DownlinkViewSet(TrackedViewSet):
    queryset = selectors.annotated_downlinks().order_by("-downlink_id")
    serializer_class = DownlinkSerializer
    filterset_class = DownlinkFilter
