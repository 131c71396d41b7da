"""Upload: the owner's three inversion result files, checked, registered as products with the
datasets used and the software commit; Working -> Inverted."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from django.db import transaction

from l2portal.files import sha256_file
from l2portal.ledger.execution import recording
from l2portal.ledger.refusals import InvalidRequest, NotPermitted, Refused
from l2portal.ledger.services import (
    Actor,
    describe,
    get_run_collection,
    product_path,
    refuse,
    transition,
    write_product,
)

from ..inversion import InversionFileError, InversionFiles, validate_inversion_files
from ..models import Inversion, ObservingProgram
from .claim import owns

UPLOAD_COLLECTION = "L2INV"
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
INVERSION_FILE_KINDS = ("quantities", "fit_profiles", "original_profiles")


class UploadRefused(InvalidRequest):
    """The uploaded files, datasets or commit are not acceptable (HTTP 400); ``details["problems"]``
    lists every problem found."""

    code = "upload_refused"


def upload_inversion(
    program: ObservingProgram,
    actor: Actor,
    files: Mapping[str, IO[bytes]],
    dataset_ids: Sequence[str],
    software_commit: str,
) -> Inversion:
    """The owner's three inversion FITS files (``files`` keyed by INVERSION_FILE_KINDS), checked,
    registered as products with the datasets used and the software commit; Working -> Inverted."""
    if not owns(program, actor):
        refuse(
            NotPermitted(
                f"only the owner of {describe(program)} uploads its results; claim it, or ask an "
                "operator to assign it to you",
                code="upload_refused",
            ),
            actor,
            program,
        )
    if program.state != "working":
        refuse(
            Refused(
                f"{program} is {program.state_label}, not Working; nothing to upload to",
                code="upload_refused",
            ),
            actor,
            program,
        )
    problems = []
    commit = (software_commit or "").strip().lower()
    if not COMMIT.match(commit):
        problems.append(f"software commit {software_commit!r} is not a git commit (7 to 40 hex digits)")
    missing = [kind for kind in INVERSION_FILE_KINDS if files.get(kind) is None]
    if missing:
        problems.append(f"missing files: {', '.join(missing)}")
    datasets = list(program.datasets.filter(dataset_id__in=list(dataset_ids)))
    unknown = sorted(set(dataset_ids) - {d.dataset_id for d in datasets})
    if not dataset_ids:
        problems.append("tick at least one dataset used")
    if unknown:
        problems.append(f"datasets not in {program}: {', '.join(unknown)}")
    if problems:
        refuse(
            UploadRefused("upload rejected: " + "; ".join(problems), details={"problems": problems}),
            actor,
            program,
        )

    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        paths = {}
        for kind in INVERSION_FILE_KINDS:
            paths[kind] = Path(folder) / f"{kind}.fits"
            with open(paths[kind], "wb") as handle:
                shutil.copyfileobj(files[kind], handle)
        candidate = InversionFiles(paths["quantities"], paths["fit_profiles"], paths["original_profiles"])
        try:
            summary = validate_inversion_files(candidate, program_id=program.execution_id)
        except InversionFileError as error:
            refuse(UploadRefused(str(error), details={"problems": error.problems}), actor, program)
        inputs = [program.manifest] if program.manifest_id else []
        with (
            recording(
                "l2portal.programs.services.upload_inversion",
                parameters={"program": program.execution_id, "commit": commit, "datasets": list(dataset_ids)},
                subject=program,
                inputs=inputs,
            ),
            transaction.atomic(),
        ):
            collection = get_run_collection(UPLOAD_COLLECTION, "inversion results uploaded by scientists")
            products = {}
            for kind, path in paths.items():
                digest = sha256_file(path)[:12]
                name = f"{UPLOAD_COLLECTION}_{program.execution_id}_{kind}_{digest}.fits"
                products[kind] = write_product(
                    collection,
                    product_path(collection, program.execution_id, name),
                    f"inversion_{kind}",
                    lambda tmp, source=path: shutil.copyfile(source, tmp),
                    metadata={"program": program.execution_id, "commit": commit},
                    inputs=inputs,
                )
            inversion = Inversion.objects.create(
                program=program,
                uploaded_by=actor.user,
                software_commit=commit,
                summary={**vars(summary), "lines": list(summary.lines)},
                **products,
            )
            inversion.datasets.set(datasets)
            transition(program, "inverted", actor, "results uploaded", inversion=inversion.pk, commit=commit)
    return inversion
