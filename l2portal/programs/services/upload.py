"""Upload through the web form: the owner's three inversion result files (small files and the
demo; large results come by Globus, see globus_upload), received with their size limits checked
before any decompression, then checked and registered like results that came by Globus."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from l2portal.ledger.services import Actor

from .. import conf
from ..models import Inversion, ObservingProgram
from ..science.inversion import FILE_LABELS, InversionSummary
from ..science.upload_files import UploadTooLarge, expand_if_compressed, save_limited
from .results import (
    FILE_NAMES,
    INVERSION_FILE_KINDS,
    check_inversion,
    check_request,
    refuse_upload,
    register_inversion,
)


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
    with _received(program, actor, files, dataset_ids, software_commit) as (paths, datasets, commit):
        return register_inversion(program, actor, actor.user, paths, datasets, commit, arrived_by="form")


def check_upload(
    program: ObservingProgram,
    actor: Actor,
    files: Mapping[str, IO[bytes]],
    dataset_ids: Sequence[str],
    software_commit: str,
) -> InversionSummary:
    """What upload_inversion would say of these files, nothing registered and nothing moved: the
    refusal it would give, or the summary of what the files hold."""
    with _received(program, actor, files, dataset_ids, software_commit) as (paths, _, _):
        return check_inversion(program, actor, paths)


@contextlib.contextmanager
def _received(program, actor, files, dataset_ids, software_commit):
    """The request checked and the files on disk within their limits (removed afterwards):
    (paths by kind, datasets, commit); every problem refused at once, by its field."""
    missing = [kind for kind in INVERSION_FILE_KINDS if files.get(kind) is None]
    commit, datasets = check_request(program, actor, dataset_ids, software_commit, missing)
    limit = conf.form_upload_max_bytes()
    with tempfile.TemporaryDirectory(prefix="upload-", dir=_upload_folder()) as folder:
        paths, problems = {}, {}
        for kind in INVERSION_FILE_KINDS:
            label = f"{FILE_LABELS[kind]} file"
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
                problems[kind] = [str(error)]
        if problems:
            refuse_upload(problems, actor, program)
        yield paths, datasets, commit


def _upload_folder() -> Path:
    """Uploads land beside scratch, on the data file system, so registering them is a rename."""
    folder = conf.scratch_root() / ".uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
