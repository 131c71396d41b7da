"""Upload through the web form: the owner's three inversion result files (small files and the
demo; large results come by Globus, see globus_upload), received with their size limits checked
before any decompression, then checked and registered like results that came by Globus."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from l2portal.ledger.services import Actor, refuse

from .. import conf
from ..models import Inversion, ObservingProgram
from ..science.upload_files import UploadTooLarge, expand_if_compressed, save_limited
from .results import FILE_NAMES, INVERSION_FILE_KINDS, UploadRefused, check_request, register_inversion


def upload_inversion(
    program: ObservingProgram,
    actor: Actor,
    files: Mapping[str, IO[bytes]],
    dataset_ids: Sequence[str],
    software_commit: str,
) -> Inversion:
    """The owner's three inversion FITS files (``files`` keyed by INVERSION_FILE_KINDS, plain or
    gzip-compressed), checked, registered as products with the datasets used and the software
    commit; Working -> Inverted. Anything wrong is refused (UploadRefused) and nothing changes."""
    missing = [kind for kind in INVERSION_FILE_KINDS if files.get(kind) is None]
    commit, datasets = check_request(program, actor, dataset_ids, software_commit, missing)
    limit = conf.form_upload_max_bytes()
    with tempfile.TemporaryDirectory(prefix="upload-", dir=_upload_folder()) as folder:
        paths, problems = {}, []
        for kind in INVERSION_FILE_KINDS:
            label = f"{kind.replace('_', ' ')} file"
            size = getattr(files[kind], "size", None)
            try:
                if size is not None and size > limit:
                    raise UploadTooLarge(
                        f"{label}: {size / 1e6:,.1f} MB is over the form's limit; send it by Globus"
                    )
                received = Path(folder) / f"{FILE_NAMES[kind]}.received"
                save_limited(files[kind], received, limit, label)
                paths[kind] = expand_if_compressed(received, limit, label).rename(
                    Path(folder) / FILE_NAMES[kind]
                )
            except ValueError as error:  # UploadTooLarge is one
                problems.append(str(error))
        if problems:
            refuse(
                UploadRefused("upload rejected: " + "; ".join(problems), details={"problems": problems}),
                actor,
                program,
            )
        return register_inversion(program, actor, actor.user, paths, datasets, commit, arrived_by="form")


def _upload_folder() -> Path:
    """Uploads land beside scratch, on the data file system, so registering them is a rename."""
    folder = conf.scratch_root() / ".uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
