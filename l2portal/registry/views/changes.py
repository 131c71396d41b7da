"""The site-wide change log: every move of every tracked object and every ledger event, newest
first, filtered by object type, object, actor, kind and time; a fixed number of queries a page
(the database unions the history tables, see ledger.change_view)."""

from __future__ import annotations

from django.shortcuts import render

from ...ledger.models import Change
from ...portal.filtering import filtered_rows
from ...portal.tables import portal_table
from ..filtersets import ChangeFilter
from ..tables import ChangeTable


def change_log(request):
    filterset = ChangeFilter(request.GET or None, queryset=Change.objects.all())
    # A filter it cannot read shows its error over no rows, never every row as if unfiltered.
    rows = filtered_rows(filterset)
    table = portal_table(request, ChangeTable, rows)
    if table.wants_csv:
        return table.csv_response()
    return render(request, "registry/changes.html", {"filterset": filterset, "table": table})
