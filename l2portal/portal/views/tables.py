"""A person's choice of a table's columns (the "Columns" menu above every PortalTable)."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.views.decorators.http import require_POST

from l2portal.ledger.services import Actor
from l2portal.portal.preferences import choose_table_columns, reset_table_columns

from ..pages import back_url


@require_POST
def choose_columns(request):
    actor, table = Actor.of_user(request.user), request.POST.get("table", "")
    if request.POST.get("reset"):
        reset_table_columns(actor, table)
    else:
        choose_table_columns(actor, table, request.POST.getlist("columns"))
    return HttpResponseRedirect(back_url(request))
