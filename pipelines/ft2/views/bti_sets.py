"""The list of BTI sets (a run's active set is its latest submitted one)."""

from django.shortcuts import render

from l2portal.portal.filtering import filtered_rows
from l2portal.portal.tables import portal_table

from .. import selectors
from ..filtersets import BtiSetFilter
from ..tables import BtiSetTable

INTRO = (
    "Bad Time Intervals per run, each set written once: a correction is a new version, and a run's "
    "active set is its latest submitted one (its FT2 files are made again with it)."
)


def bti_set_list(request):
    filterset = BtiSetFilter(request.GET or None, queryset=selectors.bti_set_rows())
    rows = filtered_rows(filterset)
    table = portal_table(request, BtiSetTable, rows)
    if table.wants_csv:
        return table.csv_response()
    return render(
        request, "pipelines/table_list.html", {"filterset": filterset, "table": table, "intro": INTRO}
    )
