"""Running one step of a restore (check, stage, prepare, run) for its task, through the ledger's
step runner: whatever a step raises moves the request to Error with its reason, and the requester
is told; a request that moved on meanwhile (cancelled) is left alone."""

from __future__ import annotations

import logging
from collections.abc import Callable

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor, StepFailed
from l2portal.ledger.states import TransitionNotAllowed
from l2portal.xmlsafe import UnsafeXMLError
from restore import conf
from restore.science import archive
from restore.science.ngas import NgasError
from restore.science.plan import PlanError
from restore.science.ppr import PprError
from restore.science.productstore import ProductStore, StoreError
from restore.science.restorescript import RestoreScriptError
from restore.science.scriptgen import ScriptGenerationError

from ..models import RestoreRequest
from .notify import notify_requester

log = logging.getLogger(__name__)

# Errors of the archive, product store and pipeline input that no retry of the same step can fix alone.
STEP_ERRORS = (
    archive.ArchiveError,
    PlanError,
    PprError,
    StoreError,
    NgasError,
    RestoreScriptError,
    ScriptGenerationError,
    UnsafeXMLError,
    ValueError,
    OSError,
)

# What to do when a staged file no longer verifies (verify_inputs' remedy).
STAGE_AGAIN = "cancel this restore and request it again: its files are staged afresh from the product store"


def run_restore_step(request_id: int, step: Callable[[RestoreRequest, Actor], None], actor: Actor) -> None:
    """Run ``step`` for the request (a task calls this with its id)."""
    request = RestoreRequest.objects.get(pk=request_id)
    ledger.run_step(request, step, actor, on_error=_failed)


def _failed(request: RestoreRequest) -> None:
    """The request reached Error: its reason in the progress note, the requester told."""
    reason = request.transitions.order_by("-at", "-id").values_list("reason", flat=True).first() or ""
    RestoreRequest.objects.filter(pk=request.pk).update(progress_note=reason[:255])
    request.refresh_from_db()
    notify_requester(request)


def fail(request: RestoreRequest, actor: Actor, reason: str) -> None:
    """Move the request to Error with ``reason`` and tell the requester, unless it ended meanwhile."""
    try:
        ledger.fail(request, actor, reason)
    except TransitionNotAllowed as error:
        log.info("%s ended meanwhile, not failing it: %s", request, error)
        return
    _failed(request)


def open_archive():
    """A connection to the configured archive; the step fails if there is none."""
    try:
        return archive.connect(conf.archive_url())
    except archive.ArchiveError as error:
        raise StepFailed(f"cannot open the archive: {error}") from None


def store_of(request: RestoreRequest) -> ProductStore:
    """The product store the request stages from (the one configured when it was made)."""
    return ProductStore(request.product_store or conf.product_store())
