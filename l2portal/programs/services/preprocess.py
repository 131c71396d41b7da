"""Preprocess: fetch an invertible program's L1 datasets into its scratch folder, as the data
center does (each dataset's folder ``<bucket>/<proposalId>/<datasetId>/`` in one transfer, verified
file by file), describe them in the inversion-input manifest, and move it to Preprocessed."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import (
    Actor,
    StepFailed,
    describe,
    enqueue,
    refuse,
    require_role,
    run_step,
    transition,
)
from l2portal.registry.models import Product
from l2portal.registry.services import get_run_collection, product_path, write_product

from .. import conf, task_names
from ..models import ObservingProgram, Transfer
from ..refusals import ActionRefused
from ..science.level1 import Level1Error
from ..science.preprocess import build_inversion_manifest, manifest_bytes
from ..science.transfer import StillRunning, TransferError, TransferItem, TransferJob, safe_relative
from ..selectors import current_rules
from .transfers import open_transfer, run_transfer

log = logging.getLogger(__name__)

MANIFEST_COLLECTION = "L2PRE"
PREPROCESSABLE = ("invertible", "preprocessed")


def scratch_folder(program: ObservingProgram) -> Path:
    return conf.scratch_root() / program.execution_id


def request_preprocess(program: ObservingProgram, actor: Actor) -> None:
    """Start preprocessing on the workers (operators): an Invertible program, or a Preprocessed
    one to fetch and describe again."""
    require_role(actor, OPERATOR, to=f"start preprocessing {describe(program)}", subject=program)
    if program.state not in PREPROCESSABLE:
        refuse(
            ActionRefused(
                f"{program} is {program.state_label}; preprocess needs Invertible (or Preprocessed, "
                "to fetch again)",
                details={"state": program.state},
            ),
            actor,
            program,
        )
    open_transfer(program, Transfer.Purpose.FETCH, requested_by=actor.user)
    enqueue(task_names.PREPROCESS_PROGRAM, program.pk, waiting=program)


def run_preprocess(program_pk: int, actor: Actor) -> ObservingProgram:
    """The task's step: every failure moves the program to Error with its reason."""
    program = ObservingProgram.objects.get(pk=program_pk)
    run_step(program, _preprocess, actor)
    program.refresh_from_db()
    return program


def _fetch_job(program: ObservingProgram, datasets) -> TransferJob:
    scratch = conf.in_data_root(scratch_folder(program))
    items = []
    for dataset in datasets:
        proposal = dataset.primary_proposal_id or program.proposal_id
        source = f"{dataset.bucket or conf.l2_bucket()}/{proposal}/{dataset.dataset_id}"
        safe_relative(source)
        items.append(TransferItem(source, f"{scratch}/{dataset.dataset_id}"))
    return TransferJob(
        f"Preprocess {program.execution_id}", conf.l1_endpoint(), conf.portal_endpoint(), tuple(items)
    )


def _preprocess(program: ObservingProgram, actor: Actor) -> None:
    """Fetch (resuming an unfinished transfer, skipping what is there intact), write the manifest
    as a product, move Invertible -> Preprocessed. Idempotent."""
    if program.state not in PREPROCESSABLE:
        log.info("%s is %s: nothing to preprocess", program, program.state)
        return
    rules, _ = current_rules()
    datasets = list(
        program.datasets.filter(superseded=False, instrument_name__iexact=rules.instrument).order_by(
            "dataset_id"
        )
    )
    if not datasets:
        raise StepFailed(f"{program} has no current {rules.instrument} datasets to fetch; qualify it again")
    transfer = open_transfer(program, Transfer.Purpose.FETCH)
    try:
        report = run_transfer(transfer, _fetch_job(program, datasets))
        scratch = scratch_folder(program)
        manifest = build_inversion_manifest(
            program.execution_id,
            {dataset.dataset_id: scratch / dataset.dataset_id for dataset in datasets},
            scratch,
            rules.lines,
            rules.line_tolerance_nm,
        )
    except StillRunning:
        log.info("%s: the L1 transfer still runs; checking again", program)
        enqueue(
            task_names.PREPROCESS_PROGRAM,
            program.pk,
            countdown=conf.globus_settings().poll_seconds,
            waiting=program,
        )
        return
    except (TransferError, Level1Error, ValueError) as error:
        raise StepFailed(f"preprocessing failed: {error}", transfer=transfer.pk) from None
    product = _write_manifest(program, manifest)
    ObservingProgram.objects.filter(pk=program.pk).update(manifest=product)
    if program.state == "invertible":
        fetched = sum(not f.skipped for f in report.files)
        there = len(report.files) - fetched
        transition(
            program,
            "preprocessed",
            actor,
            f"{len(report.files)} L1 files ready ({fetched} fetched, {there} already there)",
            manifest=product.path,
            transfer=transfer.pk,
        )


def _write_manifest(program: ObservingProgram, manifest: dict) -> Product:
    body = manifest_bytes(manifest)
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
            "frames": sum(entry["frame_count"] for entry in manifest["datasets"].values()),
            "lines": sorted(manifest["lines"]),
            "scratch": str(scratch_folder(program)),
        },
    )
