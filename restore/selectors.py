"""Reading a restore: the steps it reached, the log's tail, the PPR, its weblogs, and the query
that loads one restore with everything its page and API answer show."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from django.db.models import Prefetch, QuerySet

from l2portal.registry.models import Product
from l2portal.registry.services import absolute_path

from .models import RestoreRequest, StagedFile

STEPS = ("requested", "checked", "staged", "prepared", "running", "restored")
LOG_TAIL_BYTES = 64 * 1024


def with_details(restores: QuerySet[RestoreRequest]) -> QuerySet[RestoreRequest]:
    """``restores`` with the PPR or script, the moves, the staged files and the outputs loaded in a
    fixed number of queries."""
    return restores.select_related("requested_by", "ppr", "restore_script").prefetch_related(
        "transitions",
        Prefetch("staged_files", queryset=StagedFile.objects.order_by("kind", "name")),
        Prefetch("output_products", queryset=Product.objects.order_by("path")),
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


def log_text(request: RestoreRequest) -> str:
    """The last LOG_TAIL_BYTES of the pipeline log ("" before the pipeline started)."""
    if not request.log_path:
        return ""
    path = Path(request.log_path)
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
            return handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def log_tail(request: RestoreRequest, lines: int = 200) -> list[str]:
    """The last ``lines`` lines of the pipeline log (empty before the pipeline started)."""
    return log_text(request).splitlines()[-lines:]


def file_bytes(product: Product | None) -> bytes | None:
    """A registered file's bytes (the PPR, the restore script), or None before it exists."""
    return None if product is None else absolute_path(product).read_bytes()


def weblogs(request: RestoreRequest) -> list[dict[str, Any]]:
    """The weblogs of the request's runs that can be opened (their html folder is still in working/),
    newest first; uses the prefetched outputs."""
    if request.layout is None:
        return []
    working = request.layout.working
    found = []
    for product in request.output_products.all():
        context = product.metadata.get("context") if product.product_type == "restore_weblog" else None
        if context and (working / context / "html" / "index.html").is_file():
            found.append({"context": context, "run": product.metadata.get("run"), "archive": product})
    return sorted(found, key=lambda weblog: weblog["context"], reverse=True)


def weblog_file(request: RestoreRequest, relative: str) -> Path | None:
    """A file of a weblog (``pipeline-<time>/html/...``) in the request's working/ folder, or None
    for anything else (other folders, ``..``, links out)."""
    parts = PurePosixPath(relative).parts
    weblog_path = (
        len(parts) >= 3 and parts[0].startswith("pipeline-") and parts[1] == "html" and ".." not in parts
    )
    if request.layout is None or not weblog_path:
        return None
    working = request.layout.working
    path = (working / Path(*parts)).resolve()
    html = (working / parts[0] / "html").resolve()
    return path if path.is_file() and path.is_relative_to(html) else None
