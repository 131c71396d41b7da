"""Preprocess: fetch an invertible program's L1 frames into its scratch folder, write the
inversion-input manifest as a product, and move it to Preprocessed."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from pathlib import Path

from l2portal.ledger.models import Product
from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import (
    Actor,
    describe,
    enqueue,
    fail,
    get_run_collection,
    product_path,
    refuse,
    require_role,
    transition,
    write_product,
)

from .. import conf
from ..models import ObservingProgram
from ..preprocess import (
    FetchReport,
    Progress,
    TransferError,
    TransferItem,
    build_inversion_manifest,
    fetch_files,
    listing_path,
    parse_listing,
)
from ..selectors import current_rules

log = logging.getLogger(__name__)

MANIFEST_COLLECTION = "L2PRE"


def scratch_folder(program: ObservingProgram) -> Path:
    return conf.scratch_root() / program.execution_id


def request_preprocess(program: ObservingProgram, actor: Actor) -> None:
    """Start preprocessing on the workers (operators): an Invertible program, or a Preprocessed
    one to fetch and describe again."""
    require_role(actor, OPERATOR, to=f"start preprocessing {describe(program)}", subject=program)
    if program.state not in ("invertible", "preprocessed"):
        refuse(
            Refused(
                f"{program} is {program.state_label}; preprocess needs Invertible (or Preprocessed, "
                "to fetch again)",
                code="action_refused",
                details={"state": program.state},
            ),
            actor,
            program,
        )
    ObservingProgram.objects.filter(pk=program.pk).update(progress={"state": "queued"})
    enqueue("l2portal.programs.tasks.preprocess_program", program.pk)


def _transfer_items(program: ObservingProgram, backend, scratch: Path) -> list[TransferItem]:
    """One item per L1 frame of the program's current ViSP datasets, from each dataset's
    SHA256SUMS listing, fetched through the same backend as the frames."""
    rules, _ = current_rules()
    datasets = program.datasets.filter(superseded=False, instrument_name__iexact=rules.instrument)
    items = []
    scratch.mkdir(parents=True, exist_ok=True)
    for dataset_id in datasets.order_by("dataset_id").values_list("dataset_id", flat=True):
        source = listing_path(dataset_id)
        with tempfile.NamedTemporaryFile(dir=scratch, prefix=".listing.") as listing:
            backend.fetch(source, Path(listing.name), lambda n: None)
            text = Path(listing.name).read_text(encoding="utf-8")
        items += parse_listing(dataset_id, text)
    if not items:
        raise TransferError(f"{program} has no {rules.instrument} frames to fetch")
    return items


def run_preprocess(program_pk: int, actor: Actor) -> ObservingProgram:
    """Fetch the program's L1 frames into its scratch folder (skipping complete files), write the
    inversion-input manifest as a product, and move Invertible -> Preprocessed. Idempotent."""
    program = ObservingProgram.objects.get(pk=program_pk)
    if program.state not in ("invertible", "preprocessed"):
        log.info("%s is %s: nothing to preprocess", program, program.state)
        return program
    scratch = scratch_folder(program)
    rules, _ = current_rules()
    progress = {"state": "listing", "files_done": 0, "files_total": 0, "bytes_done": 0, "skipped": 0}
    last_saved = 0.0

    def save_progress(event: Progress | None = None) -> None:
        nonlocal last_saved
        if event is not None:
            progress.update(files_total=event.total, current=event.item.dest, state="fetching")
            if event.state in ("fetched", "skipped"):
                progress["files_done"] = event.index
                progress["bytes_done"] = progress.get("bytes_done", 0) + event.bytes_done
                progress["skipped"] += event.state == "skipped"
            elif time.monotonic() - last_saved < 1.0:
                return
        last_saved = time.monotonic()
        ObservingProgram.objects.filter(pk=program.pk).update(progress=dict(progress))

    try:
        save_progress()
        backend = conf.transfer_backend()
        items = _transfer_items(program, backend, scratch)
        report = fetch_files(items, scratch, backend, save_progress)
        manifest = build_inversion_manifest(
            program.execution_id, report.paths, scratch, rules.lines, rules.line_tolerance_nm
        )
    except (TransferError, OSError, ValueError) as error:
        progress["state"] = "failed"
        save_progress()
        fail(program, actor, f"preprocessing failed: {error}")
        return program
    product = _write_manifest(program, manifest, report)
    progress.update(state="done", current="")
    ObservingProgram.objects.filter(pk=program.pk).update(progress=dict(progress), manifest=product)
    if program.state == "invertible":
        transition(
            program,
            "preprocessed",
            actor,
            f"{len(report.paths)} frames ready "
            f"({len(report.fetched)} fetched, {len(report.skipped)} already there)",
            manifest=product.path,
        )
    return program


def _write_manifest(program: ObservingProgram, manifest: dict, report: FetchReport) -> Product:
    body = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    digest = hashlib.sha256(body).hexdigest()[:12]
    collection = get_run_collection(MANIFEST_COLLECTION, "inversion inputs of observing programs")
    relative = product_path(
        collection,
        program.execution_id,
        f"{MANIFEST_COLLECTION}_{program.execution_id}_manifest_{digest}.json",
    )
    return write_product(
        collection,
        relative,
        "inversion_manifest",
        lambda tmp: tmp.write_bytes(body),
        metadata={
            "program": program.execution_id,
            "frames": len(report.paths),
            "lines": sorted(manifest["lines"]),
            "scratch": str(scratch_folder(program)),
        },
    )
