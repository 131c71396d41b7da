"""Downlink-processing API: downlinks, chunks and data runs, filterable; retry (operators) sends a
failed chunk or run back to the step that failed, through the ledger."""

from l2portal.portal.api.schema import documented_reads
from l2portal.portal.api.tracked import TrackedViewSet

from .. import selectors
from ..filtersets import ChunkFilter, DataRunFilter, DownlinkFilter
from ..models import Chunk
from . import examples as ex
from .downlink_serializers import ChunkSerializer, DataRunSerializer, DownlinkSerializer


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


@documented_reads("Chunks (filter by downlink, state, number)", "One chunk", "Chunk", ex.CHUNK_EXAMPLE)
class ChunkViewSet(TrackedViewSet):
    queryset = Chunk.objects.select_related("downlink").order_by("downlink__downlink_id", "number")
    serializer_class = ChunkSerializer
    filterset_class = ChunkFilter


@documented_reads(
    "Data runs with their merge versions (filter by state, run, downlink)",
    "One data run",
    "Data run",
    ex.DATA_RUN_EXAMPLE,
)
class DataRunViewSet(TrackedViewSet):
    queryset = selectors.runs_with_versions().order_by("run_id")
    serializer_class = DataRunSerializer
    filterset_class = DataRunFilter
