"""Preparing: what will run, built from the staged manifest and restore script and registered: the
PPR (read back by the pipeline's rules) on the PPR route, the generated restore script on the
restore-script route."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction

from l2portal.ledger import conf as ledger_conf
from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry
from restore import conf
from restore.science.plan import SCRIPT_ROUTE, RestorePlan, load_plan, read_folder
from restore.science.ppr import build_ppr, check_ppr
from restore.science.scriptgen import render_script

from ..models import RestoreRequest
from .steps import STAGE_AGAIN, STEP_ERRORS, open_archive


def prepare(request: RestoreRequest, actor: Actor) -> None:
    """Build the PPR or the restore script from the staged files and register it."""
    if request.state != "staged":
        return
    inputs = [staged.product for staged in request.staged_files.select_related("product") if staged.product]
    registry.verify_inputs(inputs, actor, subject=request, remedy=STAGE_AGAIN)
    layout = request.layout
    connection = open_archive()
    try:
        plan = load_plan(
            connection,
            request.mous_uid,
            read_folder(layout.products),
            force_ppr=request.force_ppr,
            parameters=request.restore_parameters,
        )
        name, content = _script(plan, request) if plan.route == SCRIPT_ROUTE else _ppr(plan, request)
    except STEP_ERRORS as error:
        raise StepFailed(
            f"the {request.plan.get('route', 'PPR')} route cannot be prepared: {error}"
        ) from None
    finally:
        connection.close()
    collection = registry.get_run_collection(
        conf.COLLECTION, "MOUS restores: PPRs, scripts, inputs and outputs"
    )
    relative = registry.product_path(
        collection, f"request-{request.pk}", *layout.relative_path.parts, "working", name
    )
    field = "restore_script" if plan.route == SCRIPT_ROUTE else "ppr"
    # Written before the transaction (a file is never written under locks); a retry finds it.
    product = registry.write_product(
        collection,
        relative,
        f"restore_{field}",
        lambda tmp: tmp.write_bytes(content),
        metadata={"mous_uid": request.mous_uid, "restore_request": request.pk, "route": plan.route},
        inputs=inputs,
    )
    with transaction.atomic():
        RestoreRequest.objects.filter(pk=request.pk).update(**{field: product})
        ledger.transition(
            request, "prepared", actor, f"{product.filename} written and registered ({plan.route} route)"
        )
        ledger.start_step(request)


def _ppr(plan: RestorePlan, request: RestoreRequest) -> tuple[str, bytes]:
    ppr = build_ppr(
        plan,
        root_directory=request.layout_root,
        creation_time=datetime.now(UTC),
        operator=request.requested_by.get_username() if request.requested_by else "Undefined",
        processing_site=ledger_conf.host_name(),
    )
    check_ppr(ppr, plan.manifest)
    return f"PPR_{conf.COLLECTION}_request-{request.pk}.xml", ppr


def _script(plan: RestorePlan, request: RestoreRequest) -> tuple[str, bytes]:
    script = render_script(plan.script_calls, source_name=plan.script_name)
    return f"casa_restore_{conf.COLLECTION}_request-{request.pk}.py", script.text.encode()
