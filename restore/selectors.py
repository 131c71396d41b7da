"""Reading a restore: its layout on disk, the steps it reached, the log's tail, the PPR, and the
query that loads one restore with everything its page and API answer show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Prefetch, QuerySet

from l2portal.ledger.services import absolute_path
from restore.layout import RestoreLayout

from .models import RestoreRequest, StagedFile

STEPS = ("requested", "checked", "staged", "prepared", "running", "restored")
LOG_TAIL_BYTES = 64 * 1024


def with_details(restores: QuerySet[RestoreRequest]) -> QuerySet[RestoreRequest]:
    """``restores`` with the PPR, the moves and the staged files loaded in a fixed number of queries."""
    return restores.select_related("requested_by", "ppr").prefetch_related(
        "transitions", Prefetch("staged_files", queryset=StagedFile.objects.order_by("kind", "name"))
    )


def layout_of(request: RestoreRequest) -> RestoreLayout:
    """Where the restore works (once staging has laid it out)."""
    plan = request.plan
    return RestoreLayout(
        Path(request.layout_root), plan["project_code"], plan["sous_uid"], plan["gous_uid"], request.mous_uid
    )


def timeline(request: RestoreRequest) -> list[dict[str, Any]]:
    """The steps of the restore with when each was reached, then how it ended if it did not restore.

    Uses the prefetched ``transitions`` so a list of requests costs no query per request."""
    reached = {"requested": request.created_at}
    for move in request.transitions.all():
        reached.setdefault(move.to_state, move.at)
    ended = request.state if request.state in {"not_restorable", "cancelled", "error"} else None
    # A restore that could not be done stops after its request: the later steps never apply.
    planned = STEPS[:1] if request.state == "not_restorable" else STEPS
    steps = [
        {
            "state": state,
            "label": request.machine.label(state),
            "at": reached.get(state),
            "current": state == request.state,
        }
        for state in planned
    ]
    if ended:
        steps.append(
            {
                "state": ended,
                "label": request.machine.label(ended),
                "at": request.state_changed_at,
                "current": True,
            }
        )
    return steps


def log_tail(request: RestoreRequest, lines: int = 200) -> list[str]:
    """The last ``lines`` lines of the pipeline log (empty before the pipeline started)."""
    if not request.log_path:
        return []
    path = Path(request.log_path)
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return text.splitlines()[-lines:]


def ppr_bytes(request: RestoreRequest) -> bytes | None:
    """The registered PPR, or None before the restore is prepared."""
    if request.ppr is None:
        return None
    return absolute_path(request.ppr).read_bytes()
