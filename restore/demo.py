"""Demo data for the restore app (called by `manage.py load_demo`): the seed MOUS restored with the
stand-ins, and a never-calibrated MOUS stopped at Not restorable. When the steps run in place (the
embedded mode) the products come from the project's NGAS server (restore.standins.ngas_server) over HTTP, as
from ALMA's; with a broker the worker stages later, from the configured store. Idempotent: an MOUS
already requested is left."""

import contextlib

from l2portal.ledger.services import tasks_run_in_place

from . import services
from .models import RestoreRequest
from .standins.ngas_server import NgasServer

SEED_MOUS = "uid://A001/X12a3/X80e"
UNCALIBRATED_MOUS = "uid://A001/X1465/X1b10"


def load_demo(actor, stdout) -> None:
    wanted = [
        uid
        for uid in (SEED_MOUS, UNCALIBRATED_MOUS)
        if not RestoreRequest.objects.filter(mous_uid=uid).exists()
    ]
    if not wanted:
        return
    with NgasServer() if tasks_run_in_place() else contextlib.nullcontext() as ngas:
        for mous_uid in wanted:
            restore = services.request_restore(mous_uid, actor, product_store=ngas.base_url if ngas else None)
            restore.refresh_from_db()
            stdout.write(
                f"  restore of {mous_uid}: {restore.state_label} (products from {restore.product_store})"
            )
