"""Publish, as the data center does (DKISTDC/level2 ``App/Worker/Generate*.hs``,
``App/Worker/Publish.hs``): write an inverted program's Level 2 frames (headers from their canonical
L1 frames, quantities in the published units) and its ASDF dataset file as products, transfer them
into the object-store bucket at ``<bucket>/<proposalId>/<inversionId>/``, then register the
inversion with the metadata store (createL2InversionInventory, naming the ASDF file) and move it
Inverted -> Published.

Every step keeps what an earlier attempt did: products are registered once, the transfer skips
files already in the bucket intact, the store is told once; so a publish that failed half way
resumes where it stopped and copies nothing twice."""

from __future__ import annotations

import logging
from importlib import metadata
from pathlib import Path

from django.db import transaction
from django.utils import timezone

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
from l2portal.registry.models import Collection, Product
from l2portal.registry.services import (
    absolute_path,
    get_run_collection,
    product_path,
    verify_inputs,
    write_product,
)

from .. import conf, task_names
from ..models import Inversion, ObservingProgram, Transfer
from ..refusals import ActionRefused, NoMetadataStore
from ..science.inversion import InversionFiles
from ..science.level1 import Level1Error, canonical_frames, frame_header
from ..science.level2 import FrameGeometry, Level2Error, asdf_file_name, frame_file_name, write_level2_frame
from ..science.metadata import MetadataClient, MetadataError
from ..science.quantities import PROFILE_LINES
from ..science.transfer import StillRunning, TransferError, TransferItem, TransferJob
from .preprocess import scratch_folder
from .transfers import open_transfer, run_transfer

log = logging.getLogger(__name__)

UPLOAD_CHANGED = (
    "nothing was published; put back a copy with the registered sha256 (from its sender or a backup), "
    "then retry the publish"
)
NO_STORE = (
    "no metadata store is configured to register it with: set METADATA_STORE_URL (a local one: "
    "python -m l2portal.programs.standins.metadata_server --port 8765 --demo)"
)


def request_publish(program: ObservingProgram, actor: Actor) -> None:
    """Start publishing on the workers (operators)."""
    require_role(actor, OPERATOR, to=f"publish {describe(program)}", subject=program)
    if program.state != "inverted":
        refuse(
            ActionRefused(
                f"{program} is {program.state_label}, not Inverted; it is published once its results are "
                "uploaded",
                details={"state": program.state},
            ),
            actor,
            program,
        )
    if not conf.metadata_store_url():
        refuse(NoMetadataStore(f"cannot publish {program}: {NO_STORE}"), actor, program)
    enqueue(task_names.PUBLISH_PROGRAM, program.pk, waiting=program)


def run_publish(program_pk: int, actor: Actor, url: str | None = None) -> ObservingProgram:
    """The task's step: every failure moves the program to Error with its reason; an operator's
    retry publishes again from where it stopped."""
    program = ObservingProgram.objects.get(pk=program_pk)
    run_step(program, lambda obj, who: _publish(obj, who, url), actor)
    program.refresh_from_db()
    return program


def header_version() -> str:
    return "L2." + metadata.version("l2portal")


def _bucket(inversion: Inversion) -> str:
    """The inverted datasets' bucket, as the data center publishes into its proposal's bucket."""
    buckets = sorted({d.bucket for d in inversion.datasets.all() if d.bucket})
    if len(buckets) > 1:
        raise StepFailed(
            f"the datasets inverted are in different buckets ({', '.join(buckets)}); publish by hand"
        )
    return buckets[0] if buckets else conf.l2_bucket()


def _publish(program: ObservingProgram, actor: Actor, url: str | None) -> None:
    if program.state != "inverted":
        log.info("%s is %s: nothing to publish", program, program.state)
        return
    inversion = program.inversions.select_related("quantities", "fit_profiles", "original_profiles").first()
    if inversion is None:
        raise StepFailed("publishing failed: no inversion uploaded")
    url = url or conf.metadata_store_url()
    if not url and not inversion.store_answer:
        raise StepFailed(f"publishing failed: {NO_STORE}")
    uploaded = (inversion.quantities, inversion.fit_profiles, inversion.original_profiles)
    verify_inputs(uploaded, actor, subject=program, remedy=UPLOAD_CHANGED)
    collection = get_run_collection(conf.l2_collection_name(), "published Level 2 inversion products")
    try:
        frames = _write_frames(program, inversion, collection)
        asdf = _write_asdf(program, inversion, collection, frames)
        _transfer_to_bucket(program, inversion, [*frames, asdf])
    except StillRunning:
        enqueue(
            task_names.PUBLISH_PROGRAM,
            program.pk,
            countdown=conf.globus_settings().poll_seconds,
            waiting=program,
        )
        return
    # ValueError: frames the ASDF file cannot describe (dataset_asdf.py names the frame and HDU).
    except (Level1Error, Level2Error, TransferError, OSError, IndexError, KeyError, ValueError) as error:
        raise StepFailed(f"publishing failed: {error}", inversion=inversion.inversion_id) from None
    answer = inversion.store_answer or _register(program, inversion, url)
    with transaction.atomic():
        Inversion.objects.filter(pk=inversion.pk).update(published_at=timezone.now())
        transition(
            program,
            "published",
            actor,
            f"{len(frames)} Level 2 frames and {Path(asdf.path).name} in bucket "
            f"{inversion.bucket}/{inversion.object_prefix}/; registered as {inversion.inversion_id}",
            inversion=inversion.inversion_id,
            store_answer=answer,
        )


def _inversion_files(inversion: Inversion) -> InversionFiles:
    return InversionFiles(
        absolute_path(inversion.quantities),
        absolute_path(inversion.fit_profiles),
        absolute_path(inversion.original_profiles),
    )


def _products_path(collection: Collection, program: ObservingProgram, inversion: Inversion, name: str) -> str:
    if collection.name.lower() not in name.lower():
        name = f"{collection.name}_{name}"
    return product_path(collection, program.proposal_id, inversion.inversion_id, name)


def _write_frames(program: ObservingProgram, inversion: Inversion, collection: Collection) -> list[Product]:
    summary = inversion.summary
    scratch = scratch_folder(program)
    datasets = sorted(d.dataset_id for d in inversion.datasets.all())
    canonical = canonical_frames(
        {dataset_id: scratch / dataset_id for dataset_id in datasets},
        int(summary["fiducial_arm"]),
        int(summary["n_frames"]),
    )
    geometry = FrameGeometry(
        int(summary["pixels_per_bin"]), float(summary["log_tau_start"]), float(summary["log_tau_step"])
    )
    files = _inversion_files(inversion)
    inputs = [inversion.quantities, inversion.fit_profiles, inversion.original_profiles]
    products = []
    for index, l1_path in enumerate(canonical.paths):
        l1 = frame_header(l1_path)
        name = frame_file_name(inversion.inversion_id, str(l1.get("DATE-BEG", "")))
        products.append(
            write_product(
                collection,
                _products_path(collection, program, inversion, name),
                "level2_frame",
                lambda tmp, index=index, l1_path=l1_path, l1=l1: write_level2_frame(
                    tmp,
                    files,
                    index,
                    l1_path,
                    l1,
                    inversion_id=inversion.inversion_id,
                    geometry=geometry,
                    header_version=header_version(),
                ),
                metadata={
                    "program": program.execution_id,
                    "frame": index,
                    "inversion": inversion.inversion_id,
                },
                inputs=inputs,
            )
        )
    return products


def _write_asdf(
    program: ObservingProgram, inversion: Inversion, collection: Collection, frames: list[Product]
) -> Product:
    if inversion.asdf_id:
        return inversion.asdf
    # The DKIST user tools bring dask, matplotlib and sunpy (seconds to import): loaded by the
    # worker that publishes, not by every process that imports the services.
    from ..science.dataset_asdf import write_dataset_asdf

    bucket = _bucket(inversion)
    name = asdf_file_name(inversion.inversion_id)
    inventory = {
        "inversionId": inversion.inversion_id,
        "created": inversion.uploaded_at.isoformat(),
        "proposalId": program.proposal_id,
        "observingProgramExecutionId": program.execution_id,
        "datasetIds": sorted(d.dataset_id for d in inversion.datasets.all()),
        "spectralLines": list(inversion.summary.get("lines", [])),
        "wavelengths": [
            line.wavelength_nm
            for line in PROFILE_LINES.values()
            if line.name in inversion.summary.get("lines", [])
        ],
        "frameCount": len(frames),
        "bucket": bucket,
        "asdfObjectKey": f"{inversion.object_prefix}/{name}",
        "inversionSoftwareCommit": inversion.software_commit,
    }
    product = write_product(
        collection,
        _products_path(collection, program, inversion, name),
        "level2_asdf",
        lambda tmp: write_dataset_asdf(tmp, [absolute_path(frame) for frame in frames], inventory),
        metadata={
            "program": program.execution_id,
            "inversion": inversion.inversion_id,
            "frames": len(frames),
        },
        inputs=frames,
    )
    Inversion.objects.filter(pk=inversion.pk).update(asdf=product, bucket=bucket)
    inversion.asdf, inversion.bucket = product, bucket
    return product


def _transfer_to_bucket(program: ObservingProgram, inversion: Inversion, products: list[Product]) -> None:
    folder = str(Path(products[0].path).parent)
    if any(str(Path(p.path).parent) != folder for p in products):
        raise TransferError(f"the Level 2 products of {inversion.inversion_id} are not in one folder")
    job = TransferJob(
        f"Publish {inversion.inversion_id}",
        conf.portal_endpoint(),
        conf.publish_endpoint(),
        (TransferItem(folder, f"{inversion.bucket}/{inversion.object_prefix}"),),
    )
    run_transfer(open_transfer(program, Transfer.Purpose.PUBLISH), job)


def _register(program: ObservingProgram, inversion: Inversion, url: str) -> dict:
    """Tell the metadata store; its answer is kept at once, so a retry does not tell it twice."""
    used = list(inversion.datasets.order_by("dataset_id"))
    try:
        answer = MetadataClient(url).create_l2_inversion_inventory(
            inversion_id=inversion.inversion_id,
            primary_proposal_id=program.proposal_id,
            instrument_program_execution_id=next(
                (d.instrument_program_execution_id for d in used if d.instrument_program_execution_id), ""
            ),
            bucket=inversion.bucket,
            asdf_object_key=f"{inversion.object_prefix}/{Path(inversion.asdf.path).name}",
            dataset_ids=[d.dataset_id for d in used],
            spectral_lines=list(inversion.summary.get("lines", [])),
        )
    except MetadataError as error:
        raise StepFailed(f"publishing failed: the metadata store refused it: {error}") from None
    Inversion.objects.filter(pk=inversion.pk).update(store_answer=answer)
    return answer
