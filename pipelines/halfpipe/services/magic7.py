"""Magic7 inputs: registering a run's telemetry file, and finding the one a run uses."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.utils import timezone

from l2portal.files import sha256_file
from l2portal.ledger import services as ledger
from l2portal.ledger.execution import recording
from l2portal.ledger.refusals import InvalidRequest
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.registry import services as registry

from ... import conf
from ..models import DataRun, Magic7Input


class Magic7Refused(InvalidRequest):
    """A magic7 registration that cannot be carried out; nothing was registered."""

    code = "magic7_refused"


def magic7_collection():
    return registry.get_run_collection(conf.magic7_collection(), "magic7 telemetry inputs of the data runs")


def register_magic7(
    run_id: int, source: Path, met_start: float, met_stop: float, actor: Actor
) -> Magic7Input:
    """Register a magic7 file as the input of a data run (created if new). The file is copied
    into the magic7 collection under a name carrying its checksum, so a corrected file is a new
    product and becomes the run's input, while the old one stays registered."""
    ledger.require_role(actor, OPERATOR, to=f"register magic7 inputs (run {run_id})")
    if not met_stop > met_start:
        ledger.refuse(
            Magic7Refused(
                f"magic7 of run {run_id}: span stop {met_stop} must be after start {met_start}; "
                "register it again with the MET the run ends at",
                details={"run_id": run_id, "met_start": met_start, "met_stop": met_stop},
            ),
            actor,
        )
    source = Path(source)
    collection = magic7_collection()
    suffix = ".txt.gz" if source.name.endswith(".gz") else ".txt"
    name = f"{collection.name.lower()}_magic7_r{run_id:010d}_{sha256_file(source)[:12]}{suffix}"
    relative = registry.product_path(collection, "magic7", name)
    data_run, _ = DataRun.objects.get_or_create(run_id=run_id)
    with recording(
        "pipelines.register_magic7",
        parameters={"run_id": run_id, "source": str(source), "met_start": met_start, "met_stop": met_stop},
        subject=data_run,
    ):
        product = registry.write_product(
            collection,
            relative,
            "magic7",
            lambda tmp: shutil.copyfile(source, tmp),
            metadata={"run_id": run_id, "met_start": met_start, "met_stop": met_stop, "actor": actor.label},
        )
    # Registering a file again makes it the run's input again.
    magic7_input, _ = Magic7Input.objects.update_or_create(
        data_run=data_run,
        product=product,
        defaults={"met_start": met_start, "met_stop": met_stop, "created_at": timezone.now()},
    )
    return magic7_input


def latest_magic7(data_run: DataRun) -> Magic7Input | None:
    return data_run.magic7_inputs.select_related("product").first()
