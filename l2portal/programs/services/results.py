"""Inversion results, however they came (web form or Globus): who may send them and with what,
and their registration: checked in full, registered as products with the datasets used and the
software commit, an Inversion with its data center id; Working -> Inverted."""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from django.db import transaction

from l2portal.files import sha256_file
from l2portal.ledger.execution import recording
from l2portal.ledger.refusals import InvalidRequest, NotPermitted, Refused
from l2portal.ledger.services import Actor, describe, refuse, transition
from l2portal.registry.services import get_run_collection, product_path, write_product

from ..models import Dataset, Inversion, ObservingProgram, Transfer
from ..science.inversion import (
    FILE_LABELS,
    FIT_PROFILES_FILE,
    ORIGINAL_PROFILES_FILE,
    QUANTITIES_FILE,
    InversionFileError,
    InversionFiles,
    InversionSummary,
    validate_inversion_files,
)
from ..science.upload_files import move_into
from .claim import owns

UPLOAD_COLLECTION = "L2INV"
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
INVERSION_FILE_KINDS = tuple(FILE_LABELS)
# The names the inversion code gives them, which the data center keeps.
FILE_NAMES = {
    "quantities": QUANTITIES_FILE,
    "fit_profiles": FIT_PROFILES_FILE,
    "original_profiles": ORIGINAL_PROFILES_FILE,
}
INVERSION_ID_ALPHABET = string.ascii_uppercase + string.digits


class UploadRefused(InvalidRequest):
    """The results, datasets or commit are not acceptable (HTTP 400); ``details["problems"]``
    lists every problem found, ``details["fields"]`` the same by the field each is about
    (INVERSION_FILE_KINDS, ``software_commit``, ``dataset_ids``)."""

    code = "upload_refused"


class UploadNotPermitted(NotPermitted):
    """Only the program's owner sends its results (HTTP 403)."""

    code = "upload_refused"


class ResultsNotExpected(Refused):
    """The program takes no results now: it is not Working, or others are on their way (HTTP 409)."""

    code = "upload_refused"


def check_request(
    program: ObservingProgram, actor: Actor, dataset_ids: Sequence[str], software_commit: str, missing=()
) -> tuple[str, list[Dataset]]:
    """Refuse results for ``program`` unless ``actor`` owns it, it is Working, the commit is one
    and the datasets are its own; returns the commit (lower case) and the datasets."""
    if not owns(program, actor):
        refuse(
            UploadNotPermitted(
                f"only the owner of {describe(program)} uploads its results; claim it, or ask an "
                "operator to assign it to you"
            ),
            actor,
            program,
        )
    if program.state != "working":
        refuse(
            ResultsNotExpected(f"{program} is {program.state_label}, not Working; nothing to upload to"),
            actor,
            program,
        )
    if program.transfers.filter(purpose=Transfer.Purpose.UPLOAD, status__in=Transfer.RUNNING).exists():
        refuse(
            ResultsNotExpected(
                f"results for {program} are on their way by Globus; wait for them, or for their failure, "
                "before sending others"
            ),
            actor,
            program,
        )
    fields = {}
    commit = (software_commit or "").strip().lower()
    if not COMMIT.match(commit):
        fields["software_commit"] = [
            f"software commit {software_commit!r} is not a git commit (7 to 40 hex digits)"
        ]
    for kind in missing:
        fields[kind] = [
            f"{FILE_LABELS[kind]} file: missing; choose the {FILE_NAMES[kind]} the inversion wrote"
        ]
    datasets = list(program.datasets.filter(dataset_id__in=list(dataset_ids)))
    unknown = sorted(set(dataset_ids) - {d.dataset_id for d in datasets})
    if not dataset_ids:
        fields["dataset_ids"] = ["tick at least one dataset used"]
    if unknown:
        fields["dataset_ids"] = [f"datasets not in {program}: {', '.join(unknown)}"]
    if fields:
        refuse_upload(fields, actor, program)
    return commit, datasets


def refuse_upload(fields: dict[str, list[str]], actor: Actor, program: ObservingProgram) -> NoReturn:
    """Refuse an upload with every problem found, by the field each is about."""
    problems = [problem for found in fields.values() for problem in found]
    details = {"problems": problems, "fields": fields}
    refuse(UploadRefused("upload rejected: " + "; ".join(problems), details=details), actor, program)


def new_inversion_id() -> str:
    """``inv.`` and six capitals or digits, as the data center names inversions; unused so far."""
    while True:
        candidate = "inv." + "".join(secrets.choice(INVERSION_ID_ALPHABET) for _ in range(6))
        if not Inversion.objects.filter(inversion_id=candidate).exists():
            return candidate


def check_inversion(program: ObservingProgram, actor: Actor, paths: Mapping[str, Path]) -> InversionSummary:
    """The three files (``paths`` keyed by INVERSION_FILE_KINDS) checked in full: what they hold,
    or UploadRefused with every problem, by file."""
    candidate = InversionFiles(**{kind: paths[kind] for kind in INVERSION_FILE_KINDS})
    try:
        return validate_inversion_files(candidate, program_id=program.execution_id)
    except InversionFileError as error:
        refuse_upload(error.by_file, actor, program)


def register_inversion(
    program: ObservingProgram,
    actor: Actor,
    uploaded_by,
    paths: Mapping[str, Path],
    datasets: Sequence[Dataset],
    commit: str,
    *,
    arrived_by: str,
) -> Inversion:
    """Check the three files (``paths`` keyed by INVERSION_FILE_KINDS) in full; refuse them
    (UploadRefused, nothing registered) if anything is wrong; else register them and move
    Working -> Inverted."""
    summary = check_inversion(program, actor, paths)
    inputs = [program.manifest] if program.manifest_id else []
    dataset_ids = sorted(d.dataset_id for d in datasets)
    with (
        recording(
            "l2portal.programs.services.register_inversion",
            parameters={
                "program": program.execution_id,
                "commit": commit,
                "datasets": dataset_ids,
                "by": arrived_by,
            },
            subject=program,
            inputs=inputs,
        ),
        transaction.atomic(),
    ):
        collection = get_run_collection(UPLOAD_COLLECTION, "inversion results sent by scientists")
        products = {}
        for kind in INVERSION_FILE_KINDS:
            path = Path(paths[kind])
            name = f"{UPLOAD_COLLECTION}_{program.execution_id}_{kind}_{sha256_file(path)[:12]}.fits"
            products[kind] = write_product(
                collection,
                product_path(collection, program.execution_id, name),
                f"inversion_{kind}",
                lambda tmp, source=path: move_into(source, tmp),
                metadata={"program": program.execution_id, "commit": commit},
                inputs=inputs,
            )
        inversion = Inversion.objects.create(
            program=program,
            inversion_id=new_inversion_id(),
            uploaded_by=uploaded_by,
            arrived_by=arrived_by,
            software_commit=commit,
            summary=summary.as_dict(),
            **products,
        )
        inversion.datasets.set(datasets)
        transition(
            program,
            "inverted",
            actor,
            f"results received by {arrived_by}: {inversion.inversion_id}",
            inversion=inversion.pk,
            commit=commit,
        )
    return inversion
