"""Filters of HalfPipe's lists (downlinks, chunks, data runs), shared by pages and API."""

import django_filters  # noqa: F401

from l2portal.portal.api.filters import IntegerFilter, PortalFilterSet

from .models import Chunk, DataRun, Downlink


class DownlinkFilter(PortalFilterSet):
    class Meta:
        model = Downlink
        fields = ["state", "downlink_id"]


class ChunkFilter(PortalFilterSet):
    downlink = IntegerFilter(field_name="downlink__downlink_id", help_text="downlink id")

    class Meta:
        model = Chunk
        fields = ["downlink", "state", "number"]


class DataRunFilter(PortalFilterSet):
    downlink = IntegerFilter(
        field_name="downlinks__downlink_id", distinct=True, help_text="runs a downlink added events to"
    )

    class Meta:
        model = DataRun
        fields = ["state", "run_id", "downlink"]
