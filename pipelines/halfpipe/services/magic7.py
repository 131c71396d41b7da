"""Magic7 inputs: registering a run's telemetry file, and finding the one a run uses."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from l2portal.files import sha256_file
from l2portal.ledger import services as ledger
from l2portal.ledger.execution import recording
from l2portal.ledger.refusals import InvalidRequest
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.registry import services as registry

from ... import conf
from ...science.magic7 import Magic7Data, Magic7Error, read_magic7
from ..models import DataRun, Magic7Input

PROBLEMS_REFUSED_SHOWN = 20


class Magic7Refused(InvalidRequest):
    """A magic7 registration that cannot be carried out; nothing was registered."""

    code = "magic7_refused"


def magic7_collection():
    return registry.get_run_collection(conf.magic7_collection(), "magic7 telemetry inputs of the data runs")


def register_magic7(
    run_id: int, source: Path, met_start: float | None, met_stop: float | None, actor: Actor
) -> Magic7Input:
    """Register a magic7 file as the input of a data run (created if new). The whole file is
    parsed first (its gzip stream, every record): one that cannot be used, or whose last line was
    cut short, is refused with its parse report. The span defaults to the run's start (its number,
    or its first ORB record if later) to its last ORB record. The file is copied into the magic7
    collection under a name carrying its checksum, so a corrected file is a new product and
    becomes the run's input, while the old one stays registered."""
    ledger.require_role(actor, OPERATOR, to=f"register magic7 inputs (run {run_id})")
    source = Path(source)
    data = _parsed(run_id, source, actor)
    if met_start is None:
        met_start = max(float(run_id), float(data.orb_met[0]))  # telemetry may begin earlier
    if met_stop is None:
        met_stop = float(data.orb_met[-1])
    if not met_stop > met_start:
        ledger.refuse(
            Magic7Refused(
                f"magic7 of run {run_id}: span stop {met_stop} must be after start {met_start}; "
                "register it again with the MET the run ends at",
                details={"run_id": run_id, "met_start": met_start, "met_stop": met_stop},
            ),
            actor,
        )
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
            metadata={
                "run_id": run_id,
                "met_start": met_start,
                "met_stop": met_stop,
                "actor": actor.label,
                "parse_report": data.report.summary(),
            },
            force=registry.copy_damaged(relative),  # registered again to repair a damaged copy
        )
    # Registering a file again makes it the run's input again. The run's row is locked first: a
    # lock on an input row that does not exist yet locks nothing, and simultaneous registrations
    # of one file would each add one.
    with transaction.atomic():
        DataRun.objects.select_for_update().filter(pk=data_run.pk).first()
        magic7_input, _ = Magic7Input.objects.update_or_create(
            data_run=data_run,
            product=product,
            defaults={"met_start": met_start, "met_stop": met_stop, "created_at": timezone.now()},
        )
    return magic7_input


def _parsed(run_id: int, source: Path, actor: Actor) -> Magic7Data:
    """The file parsed in full; refused (Magic7Refused, recorded) with its parse report if broken."""
    try:
        data = read_magic7(source)
        if data.report.cut_short:
            raise Magic7Error(f"it is truncated: {data.report.summary()}", data.report)
        return data
    except (OSError, Magic7Error) as error:
        report = getattr(error, "report", None)
        problems = report.problems[:PROBLEMS_REFUSED_SHOWN] if report else ()
        ledger.refuse(
            Magic7Refused(
                f"magic7 {source.name} of run {run_id} refused, nothing registered: {error}; "
                "fetch a complete copy and register it again",
                details={
                    "run_id": run_id,
                    "path": str(source),
                    "parse_report": report.summary() if report else "",
                    "problems": [[p.line, p.reason] for p in problems],
                },
            ),
            actor,
        )


def latest_magic7(data_run: DataRun) -> Magic7Input | None:
    return data_run.magic7_inputs.select_related("product").first()
