"""Demo data for the restore app (called by `manage.py load_demo`): the seed MOUS restored with the
stand-ins (in the embedded mode the steps run in place; with a broker the worker runs them) and
a never-calibrated MOUS stopped at Not restorable. Idempotent: an MOUS already requested is left."""

from . import services
from .models import RestoreRequest

SEED_MOUS = "uid://A001/X12a3/X80e"
UNCALIBRATED_MOUS = "uid://A001/X1465/X1b10"


def load_demo(actor, stdout) -> None:
    for mous_uid in (SEED_MOUS, UNCALIBRATED_MOUS):
        if RestoreRequest.objects.filter(mous_uid=mous_uid).exists():
            continue
        restore = services.request_restore(mous_uid, actor)
        restore.refresh_from_db()
        stdout.write(f"  restore of {mous_uid}: {restore.state_label}")
