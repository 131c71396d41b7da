"""Preparing: the PPR built from the staged manifest and restore script, validated and registered."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor
from restore import conf
from restore.layout import RestoreLayout
from restore.plan import load_plan
from restore.ppr import build_ppr, check_ppr

from ..models import RestoreRequest
from ..selectors import layout_of
from .steps import STEP_ERRORS, StepFailed, open_archive


def prepare(request: RestoreRequest, actor: Actor) -> None:
    """Build the PPR from the staged manifest and script, read it back by the pipeline's rules,
    and register it."""
    if request.state != "staged":
        return
    layout = layout_of(request)
    connection = open_archive()
    try:
        plan = load_plan(connection, request.mous_uid, layout.products)
        ppr = build_ppr(
            plan,
            root_directory=request.layout_root,
            creation_time=datetime.now(UTC),
            operator=request.requested_by.get_username() if request.requested_by else "Undefined",
            processing_site=socket.gethostname(),
        )
        check_ppr(ppr, plan.manifest)
    except STEP_ERRORS as error:
        raise StepFailed(f"the PPR cannot be built: {error}") from None
    finally:
        connection.close()
    collection = ledger.get_run_collection(conf.COLLECTION, "MOUS restores: PPRs")
    with transaction.atomic():
        product = ledger.write_product(
            collection,
            ppr_relative_path(collection, request, layout),
            "restore_ppr",
            lambda tmp: tmp.write_bytes(ppr),
            metadata={"mous_uid": request.mous_uid, "restore_request": request.pk},
        )
        RestoreRequest.objects.filter(pk=request.pk).update(ppr=product)
        ledger.transition(request, "prepared", actor, f"PPR {product.filename} validated and registered")
        ledger.start_step(request)


def ppr_relative_path(collection, request: RestoreRequest, layout: RestoreLayout) -> str:
    """Where the PPR is registered: the working/ folder of the request's layout, inside the
    "restores" collection (that is the layout itself when RESTORE_ROOT is the default)."""
    return ledger.product_path(
        collection,
        f"request-{request.pk}",
        *layout.relative_path.parts,
        "working",
        f"PPR_{conf.COLLECTION}_request-{request.pk}.xml",
    )
