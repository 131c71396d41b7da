"""The files offered to the FSSC, where each one is (ready, transferred, ingested, failed there)."""

from django.shortcuts import render

from l2portal.portal.filtering import filtered_rows
from l2portal.portal.tables import portal_table

from .. import selectors
from ..filtersets import FsscProductFilter
from ..tables import FsscDeliveryTable

INTRO = (
    "Each validated run's 1-s and 30-s files, offered to the FSSC: it pulls them through the API and "
    "reports their transfer and ingest; a file that failed there shows the FSSC's message."
)


def delivery_list(request):
    filterset = FsscProductFilter(request.GET or None, queryset=selectors.fssc_delivery_rows())
    rows = filtered_rows(filterset)
    table = portal_table(request, FsscDeliveryTable, rows)
    if table.wants_csv:
        return table.csv_response()
    return render(
        request, "pipelines/table_list.html", {"filterset": filterset, "table": table, "intro": INTRO}
    )
