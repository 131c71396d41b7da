"""A merged run's Level 1 (HalfPipe's launchL1): its FT1-style event file and its 1-s and 30-s
FT2 files from the magic7 records of its span, through the FT2 generator. Then the downlinks that
waited for it may be done, a version planned meanwhile is merged, and online monitoring is told."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry

from ... import conf, task_names
from ...science.eventfile import EventFileError, open_event_file
from ...science.eventmerge import merge_event_files
from ...science.fitsstream import stamp_checksums
from ...science.ft2 import Ft2Config, Ft2Error, compute_ft2, product_filename, write_ft2
from ...science.level1 import ft1_filename, magic7_window
from ...science.magic7 import Magic7Error, read_magic7
from ..models import DataRun, Magic7Input, MergeVersion
from . import folders
from .downlinks import level1_done_for, run_failed

BIN_SIZES = ((1.0, "1s"), (30.0, "30s"))


def level1_run(run_pk: int, actor: Actor) -> str:
    run = DataRun.objects.get(pk=run_pk)
    if run.state == "level1_running":
        ledger.run_step(run, _level1, actor, on_error=lambda r: run_failed(r, actor))
    return run.state


def _level1(run: DataRun, actor: Actor) -> None:
    version = (
        run.versions.exclude(status=MergeVersion.Status.PLANNED)
        .select_related("product")
        .order_by("-version")
        .first()
    )
    collection = folders.output_collection()
    try:
        merged = open_event_file(registry.absolute_path(version.product))
    except EventFileError as error:
        raise StepFailed(f"{run} v{version.version:03d}: {error}") from error
    tstart, tstop, date = merged.primary["TSTART"], merged.primary["TSTOP"], merged.primary["DATE"]
    name = ft1_filename(collection.name, run.run_id, version.version)
    keywords = {
        "FILENAME": name,
        "CREATOR": "l2portal pipelines.science.level1",
        "PROC_VER": (conf.proc_ver(collection.name), "processing version of this file"),
    }

    def write_ft1(tmp):
        with open(tmp, "wb") as handle:
            merge_event_files([merged], handle, keywords, buffer_rows=conf.merge_buffer_rows())

    ft1 = registry.write_product(
        collection,
        folders.level1_path(collection, run.run_id, name),
        "level1_ft1",
        write_ft1,
        metadata={"run_id": run.run_id, "version": version.version},
        inputs=[version.product],
    )
    ft2 = _ft2_files(run, version, collection, tstart, tstop, dt.datetime.fromisoformat(date))
    with transaction.atomic():
        DataRun.objects.select_for_update().get(pk=run.pk)
        if (
            run.versions.filter(version__gt=version.version)
            .exclude(status=MergeVersion.Status.PLANNED)
            .exists()
        ):
            # A delivery of this task again, late: a newer version was merged meanwhile, and the run
            # waits for that version's Level 1, not this one's.
            return
        MergeVersion.objects.filter(pk=version.pk).update(
            level1_ft1=ft1, level1_ft2_1s=ft2["1s"], level1_ft2_30s=ft2["30s"]
        )
        level1_done_for(run, version.version, actor)
        ledger.transition(run, "level1_done", actor, f"Level 1 of v{version.version:03d} written")
        planned = run.versions.filter(status=MergeVersion.Status.PLANNED).order_by("version").first()
        if planned is not None:
            ledger.transition(run, "merging", actor, f"v{planned.version:03d} planned meanwhile")
            ledger.enqueue(task_names.MERGE_RUN, run.pk, waiting=run)
        if conf.online_hook():
            ledger.enqueue(task_names.NOTIFY_ONLINE, run.pk, version.version)


def _write_ft2(product, path, config, name, created) -> None:
    write_ft2(product, path, config, name, created=created)
    stamp_checksums(path)  # the same run gives the same bytes, whenever it is processed


def _ft2_files(run, version, collection, tstart, tstop, created) -> dict:
    margin = conf.magic7_margin()
    inputs = list(
        Magic7Input.objects.filter(met_start__lt=tstop + margin, met_stop__gt=tstart - margin)
        .select_related("product")
        .order_by("met_start", "pk")
    )
    try:
        parts = [read_magic7(registry.absolute_path(i.product)) for i in inputs]
    except (OSError, Magic7Error) as error:
        raise StepFailed(f"{run}: a magic7 file is unusable: {error}") from error
    data = magic7_window(parts, tstart - margin, tstop + margin)
    if data is None:
        raise StepFailed(
            f"no magic7 records registered for {run} between MET {tstart - margin:.0f} and "
            f"{tstop + margin:.0f}; register them (manage.py register_magic7) and retry the run"
        )
    products = {}
    for bin_seconds, label in BIN_SIZES:
        config = Ft2Config(
            bin_seconds=bin_seconds,
            data_qual=conf.data_qual(),
            lat_config=conf.lat_config(),
            proc_ver=conf.proc_ver(collection.name),
            version=version.version,
        )
        name = product_filename(bin_seconds, collection.name, run.run_id, version.version)
        try:
            product = compute_ft2(data, tstart, tstop, config)
        except Ft2Error as error:
            raise StepFailed(
                f"{run}: FT2 {label}: {error}; register magic7 covering the run and retry it"
            ) from error
        products[label] = registry.write_product(
            collection,
            folders.level1_path(collection, run.run_id, name),
            f"level1_ft2_{label}",
            lambda tmp, product=product, config=config, name=name: _write_ft2(
                product, tmp, config, name, created
            ),
            metadata={"run_id": run.run_id, "version": version.version, "bin_seconds": bin_seconds},
            inputs=[version.product, *(i.product for i in inputs)],
        )
    return products
