"""The chunks of downlinks, filterable; retry (operators) sends a failed chunk back to decoding,
through the ledger."""

from l2portal.portal.api.schema import documented_reads
from l2portal.portal.api.tracked import TrackedViewSet

from ..filtersets import ChunkFilter
from ..models import Chunk
from . import examples as ex
from .serializers import ChunkSerializer


@documented_reads("Chunks (filter by downlink, state, number)", "One chunk", "Chunk", ex.CHUNK_EXAMPLE)
class ChunkViewSet(TrackedViewSet):
    queryset = Chunk.objects.select_related("downlink").order_by("downlink__downlink_id", "number")
    serializer_class = ChunkSerializer
    filterset_class = ChunkFilter
