"""Asking for a restore of an MOUS (its restore-task parameters checked, duplicates caught), and
cancelling one."""

from __future__ import annotations

import re

from django.db import connection
from django.urls import reverse
from django.utils.timesince import timesince

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest, NotPermitted, Refused
from l2portal.ledger.roles import OPERATOR, SCIENTIST
from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import atomic_refusing
from restore import conf
from restore.science.pipeline_tasks import PIPELINE_VERSION
from restore.science.restore_parameters import ParameterError, check_parameters

from .. import events, task_names
from ..models import RESTORE_MACHINE, RestoreRequest
from .notify import notify_requester
from .watch import watcher_lost

MOUS_UID = re.compile(r"uid://A[0-9]{3}/X[0-9a-fA-F]+/X[0-9a-fA-F]+")
REQUESTER_ROLES = (OPERATOR, SCIENTIST)


class RestoreRefused(InvalidRequest):
    """Raised when a restore request names no member OUS uid (malformed); nothing changed."""

    code = "restore_refused"


class RestoreParametersRefused(InvalidRequest):
    """Raised when a request sets a parameter the restore tasks do not take (or a value they cannot
    read); ``details["known"]`` lists each task's parameters. Nothing was created."""

    code = "restore_parameters_refused"


class RestoreDuplicate(Refused):
    """Raised when the MOUS is being restored with the same parameters, or was restored with the
    same route, software and parameters.

    Nothing was created; ``details`` carry the existing request's id, API URL and page."""

    code = "restore_duplicate"


def software() -> dict[str, str]:
    """What a restore runs with; a restore already done with the same is a duplicate."""
    return {
        "pipeline_command": conf.pipeline_command(),
        "script_command": conf.script_command(),
        "pipeline_tasks": PIPELINE_VERSION,
    }


def _lock_mous(uid: str) -> None:
    """Serialise requests for one MOUS across web processes (released at commit)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"restore:{uid}"])


def _duplicate_of(uid: str, force_ppr: bool, running_with: dict, parameters: dict) -> RestoreDuplicate | None:
    # The same MOUS with other restore parameters is another restore (JSON compared in Python: the
    # databases compare JSON documents differently).
    same = [
        r
        for r in RestoreRequest.objects.filter(mous_uid=uid).order_by("-created_at", "-id")
        if r.restore_parameters == parameters
    ]
    existing = next((r for r in same if r.state not in RESTORE_MACHINE.final), None)
    with_parameters = " with the same restore parameters" if parameters else ""
    if existing is not None:
        message = (
            f"{uid} is already being restored{with_parameters} as #{existing.pk} ({existing.state_label}, "
            f"requested {timesince(existing.created_at)} ago): open it, or restore again"
        )
    else:
        restored = [
            r
            for r in same
            if r.state == "restored" and r.force_ppr == force_ppr and r.software == running_with
        ]
        if not restored:
            return None
        existing = restored[0]
        message = (
            f"{uid} was already restored as #{existing.pk}, {timesince(existing.state_changed_at)} ago, with "
            "the same route, software and restore parameters: open it, or restore again"
        )
    return RestoreDuplicate(
        message,
        details={
            "existing": existing.pk,
            "state": existing.state,
            "url": reverse("restorerequest-detail", args=[existing.pk]),
            "page": existing.get_absolute_url(),
        },
    )


def request_restore(
    mous_uid: str,
    actor: Actor,
    *,
    again: bool = False,
    force_ppr: bool = False,
    product_store: str | None = None,
    parameters: dict | None = None,
) -> RestoreRequest:
    """Accept a restore of ``mous_uid`` for ``actor`` (operators and scientists) and start its
    archive check. An MOUS being restored, or restored with the same route, software and restore
    parameters, is
    refused with the existing request unless ``again`` is asked for. ``force_ppr`` (operators):
    take the PPR route even where the delivered restore script calls more than pipeline tasks.
    ``product_store``: where to stage from (default RESTORE_PRODUCT_STORE). ``parameters``:
    {task: {parameter: value}} for the restore tasks (restore.science.restore_parameters), refused
    with each task's parameters when a name or value is not one they take."""
    ledger.require_role(actor, *REQUESTER_ROLES, to="request restores")
    if force_ppr:
        ledger.require_role(actor, OPERATOR, to="force the PPR route of a restore")
    uid = (mous_uid or "").strip()
    if not MOUS_UID.fullmatch(uid):
        message = f"{uid!r} is not a member OUS uid; expected the form uid://A001/X12a3/X80e"
        ledger.refuse(RestoreRefused(message, details={"mous_uid": uid[:100]}), actor)
    try:
        parameters = check_parameters(parameters)
    except ParameterError as error:
        message = f"restore parameters refused for {uid}: {error}"
        ledger.refuse(RestoreParametersRefused(message, details={"known": error.known}), actor)
    running_with = software()
    with atomic_refusing(actor):
        _lock_mous(uid)
        duplicate = _duplicate_of(uid, force_ppr, running_with, parameters)
        if duplicate is not None and not again:
            ledger.refuse(duplicate, actor)
        request = RestoreRequest.objects.create(
            mous_uid=uid,
            requested_by=actor.user,
            force_ppr=force_ppr,
            restore_parameters=parameters,
            software=running_with,
            product_store=product_store or conf.product_store(),
        )
        if duplicate is not None:
            ledger.record_event(
                events.RESTORE_REQUESTED_AGAIN,
                f"{actor.label} asked to restore {uid} again (#{duplicate.details['existing']} exists)",
                actor,
                subject=request,
                existing=duplicate.details["existing"],
            )
        if force_ppr:
            ledger.record_event(
                events.RESTORE_PPR_ROUTE_FORCED,
                f"{actor.label} forced the PPR route: calls of the restore script that are not pipeline "
                "tasks will not run",
                actor,
                subject=request,
            )
        ledger.start_step(request)
    return request


def may_cancel(actor: Actor, request: RestoreRequest) -> bool:
    """Operators (and the portal itself) cancel any restore; a person cancels the restores they
    asked for."""
    return actor.has_role(OPERATOR) or (actor.user is not None and request.requested_by_id == actor.user.pk)


def cancel(request: RestoreRequest, actor: Actor) -> RestoreRequest:
    """Stop a restore, whatever step it is in. Before it runs it is cancelled at once (a step task
    still at work sees it and stops); while the pipeline runs, the task watching it stops the
    pipeline's process group and moves it to Cancelled, and if that task is gone a new one is
    started to do so."""
    if not may_cancel(actor, request):
        message = f"{request} was requested by someone else; ask an operator to cancel it"
        ledger.refuse(NotPermitted(message, details={"actor": actor.label}), actor, request)
    with atomic_refusing(actor):
        current = RestoreRequest.objects.select_for_update().get(pk=request.pk)
        refusal = current.machine.refusal(ledger.describe(current), current.state, "cancelled")
        if refusal is not None:
            ledger.refuse(refusal, actor, current)
        RestoreRequest.objects.filter(pk=request.pk).update(cancel_requested=True)
        if current.state == "running":
            message = f"{actor.label} asked to stop the pipeline"
            ledger.record_event(events.RESTORE_CANCEL_REQUESTED, message, actor, subject=current)
            if watcher_lost(current):
                ledger.enqueue(task_names.RUN, current.pk, waiting=current)
        else:
            ledger.transition(current, "cancelled", actor, f"cancelled by {actor.label}")
    request.refresh_from_db()
    if request.state == "cancelled":
        notify_requester(request)
    return request
