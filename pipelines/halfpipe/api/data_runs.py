"""Data runs with their merge versions, filterable; retry (operators) sends a failed run back to
the step that failed (its merge or its Level 1), through the ledger."""

from l2portal.portal.api.schema import documented_reads
from l2portal.portal.api.tracked import TrackedViewSet

from .. import selectors
from ..filtersets import DataRunFilter
from . import examples as ex
from .serializers import DataRunSerializer


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
