"""Metadata-store scans: the list (a PortalTable) and, for operators, a scan started now."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.portal.filtering import filtered_rows
from l2portal.portal.pages import refusal_redirect
from l2portal.portal.tables import portal_table

from .. import conf, services
from ..filtersets import ScanFilter
from ..models import Scan
from ..services.scan import NO_STORE
from ..tables import ScanTable


def scans(request):
    filterset = ScanFilter(request.GET or None, queryset=Scan.objects.all())
    rows = filtered_rows(filterset)
    table = portal_table(request, ScanTable, rows)
    if table.wants_csv:
        return table.csv_response()
    context = {
        "table": table,
        "filterset": filterset,
        "can_scan": Actor.of_user(request.user).has_role(OPERATOR),
        "no_store": None if conf.metadata_store_url() else NO_STORE,
    }
    return render(request, "programs/scans.html", context)


@require_POST
def run_scan(request):
    proposal = request.POST.get("proposal_id") or None
    try:
        services.request_scan(Actor.of_user(request.user), proposal)
    except Refused as error:
        return refusal_redirect(request, error, "programs:scans")
    messages.success(
        request, f"Scan of {proposal or 'the whole store'} queued; it appears below when it has run."
    )
    return redirect("programs:scans")
