"""Publish: write an inverted program's Level 2 FITS products, register the inversion with the
metadata store and record its answer; Inverted -> Published."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from l2portal.ledger.models import Product
from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import (
    Actor,
    absolute_path,
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
from ..inversion import InversionFiles, level2_frame_name, write_level2_frame
from ..metadata import MetadataClient, MetadataError
from ..models import Inversion, ObservingProgram

log = logging.getLogger(__name__)


def request_publish(program: ObservingProgram, actor: Actor) -> None:
    """Start publishing on the workers (operators)."""
    require_role(actor, OPERATOR, to=f"publish {describe(program)}", subject=program)
    if program.state != "inverted":
        refuse(
            Refused(
                f"{program} is {program.state_label}, not Inverted; it is published once its results are "
                "uploaded",
                code="action_refused",
                details={"state": program.state},
            ),
            actor,
            program,
        )
    enqueue("l2portal.programs.tasks.publish_program", program.pk)


def run_publish(program_pk: int, actor: Actor, url: str | None = None) -> ObservingProgram:
    """Write the Level 2 FITS products, register the inversion with the metadata store
    (createL2InversionInventory) and record its answer; Inverted -> Published. A failure moves
    the program to Error with the reason; an operator retry runs this again. Idempotent: the
    products of an earlier attempt are reused."""
    program = ObservingProgram.objects.get(pk=program_pk)
    if program.state != "inverted":
        log.info("%s is %s: nothing to publish", program, program.state)
        return program
    inversion = program.inversions.select_related("quantities", "fit_profiles", "original_profiles").first()
    if inversion is None:
        fail(program, actor, "publishing failed: no inversion uploaded")
        return program
    used = list(inversion.datasets.order_by("dataset_id"))
    dataset_ids = [d.dataset_id for d in used]
    files = InversionFiles(
        absolute_path(inversion.quantities),
        absolute_path(inversion.fit_profiles),
        absolute_path(inversion.original_profiles),
    )
    collection = get_run_collection(conf.l2_collection_name(), "published Level 2 inversion products")
    inputs = [inversion.quantities, inversion.fit_profiles, inversion.original_profiles]
    try:
        products = [
            _write_level2_product(collection, program, inversion, files, index, dataset_ids, inputs)
            for index in range(int(inversion.summary["n_frames"]))
        ]
        url = url or conf.metadata_store_url()
        if not url:
            raise MetadataError("METADATA_STORE_URL is not set")
        answer = MetadataClient(url).create_l2_inversion_inventory(
            inversion_id=inversion.inversion_id,
            primary_proposal_id=program.proposal_id,
            instrument_program_execution_id=next(
                (d.instrument_program_execution_id for d in used if d.instrument_program_execution_id), ""
            ),
            bucket=conf.l2_bucket(),
            asdf_object_key=None,
            dataset_ids=dataset_ids,
            spectral_lines=list(inversion.summary.get("lines", [])),
        )
    except (MetadataError, OSError, ValueError, IndexError) as error:
        fail(program, actor, f"publishing failed: {error}", inversion=inversion.pk)
        return program
    with transaction.atomic():
        Inversion.objects.filter(pk=inversion.pk).update(published_at=timezone.now(), store_answer=answer)
        transition(
            program,
            "published",
            actor,
            f"{len(products)} Level 2 products in {collection.name}; registered as {inversion.inversion_id}",
            inversion=inversion.pk,
            store_answer=answer,
        )
    return program


def _write_level2_product(collection, program, inversion, files, index, dataset_ids, inputs) -> Product:
    name = level2_frame_name(program.execution_id, index)
    if collection.name.lower() not in name.lower():
        name = f"{collection.name}_{name}"
    return write_product(
        collection,
        product_path(collection, program.execution_id, name),
        "level2_frame",
        lambda tmp: write_level2_frame(
            tmp,
            files,
            index,
            program_id=program.execution_id,
            dataset_ids=dataset_ids,
            software_commit=inversion.software_commit,
            created=inversion.uploaded_at,
        ),
        metadata={"program": program.execution_id, "frame": index, "inversion": inversion.pk},
        inputs=inputs,
    )
