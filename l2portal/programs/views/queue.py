"""The scientists' queue: their own programs (with why any failed) and the programs waiting to be
claimed, highest priority first."""

from __future__ import annotations

from django.shortcuts import render

from l2portal.ledger.roles import SCIENTIST
from l2portal.ledger.services import Actor
from l2portal.portal.tables import portal_table

from .. import selectors
from ..tables import MyProgramTable, WaitingProgramTable


def queue(request):
    is_scientist = Actor.of_user(request.user).has_role(SCIENTIST)
    mine = portal_table(
        request,
        MyProgramTable,
        selectors.my_programs(request.user),
        prefix="mine-",
        empty_text="None yet: claim one below." if is_scientist else "None yet.",
    )
    waiting = portal_table(
        request,
        WaitingProgramTable,
        selectors.waiting_programs(),
        prefix="waiting-",
        exclude=() if is_scientist else ("claim",),
    )
    for table in (mine, waiting):
        if table.wants_csv:
            return table.csv_response()
    return render(request, "programs/queue.html", {"mine": mine, "waiting": waiting})
