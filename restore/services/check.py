"""The first step: can we restore, and how? Asked before anything is downloaded."""

from __future__ import annotations

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.execution import TransientError
from l2portal.ledger.services import Actor, StepFailed
from restore.science import archive
from restore.science.plan import PlanError, load_plan, plan_summary, sessions_table
from restore.science.productstore import StoreUnreachable

from ..models import RestoreRequest
from .notify import notify_requester
from .steps import STEP_ERRORS, open_archive, store_of


def check(request: RestoreRequest, actor: Actor) -> None:
    """Ask the archive, plan from the manifest and restore script (the route among them), record
    the answer."""
    if request.state != "requested":
        return
    connection = open_archive()
    plan = None
    try:
        verdict = archive.can_restore(connection, request.mous_uid)
        if verdict.restorable:
            store = store_of(request)
            try:
                plan = load_plan(
                    connection,
                    request.mous_uid,
                    store.read,
                    force_ppr=request.force_ppr,
                    parameters=request.restore_parameters,
                )
            except PlanError as error:
                verdict = archive.RestoreVerdict(False, str(error))
    except StoreUnreachable as error:
        raise TransientError(str(error)) from None
    except STEP_ERRORS as error:
        raise StepFailed(f"archive check failed: {error}") from None
    finally:
        connection.close()
    fields = {"restorable": verdict.restorable, "restorable_reason": verdict.reason}
    if plan is not None:
        fields.update(
            plan=plan_summary(plan), sessions_table=sessions_table(plan), warnings=list(plan.warnings)
        )
    with transaction.atomic():
        RestoreRequest.objects.filter(pk=request.pk).update(**fields)
        reason = f"{verdict.reason}; {plan.route} route: {plan.route_reason}" if plan else verdict.reason
        ledger.transition(request, "checked" if plan else "not_restorable", actor, reason)
        ledger.start_step(request)
    if request.state == "not_restorable":
        request.refresh_from_db()
        notify_requester(request)
