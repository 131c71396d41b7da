"""Observing-program operations, one module per use case: scan the metadata store, qualify,
preprocess, claim (and release, reassign, priority, notes), receive inversion results (form or
Globus), publish, and the transfers they make. The only place where programs change state, roles
are checked and tasks start. Operator retries of a failed step are the ledger's ``retry``."""

from .claim import ClaimRefused, claim, owns, reassign, release, set_notes, set_priority
from .globus_upload import request_globus_upload, run_globus_upload
from .preprocess import MANIFEST_COLLECTION, request_preprocess, run_preprocess, scratch_folder
from .publish import request_publish, run_publish
from .qualify import qualify_ready_programs, requalify
from .results import INVERSION_FILE_KINDS, UPLOAD_COLLECTION, UploadRefused
from .scan import (
    ScanFailed,
    fingerprint,
    import_records,
    pages_in_flight,
    request_scan,
    scan_files,
    scan_records,
    scan_store,
    scheduled_scan,
)
from .upload import check_upload, upload_inversion

__all__ = [
    "INVERSION_FILE_KINDS",
    "MANIFEST_COLLECTION",
    "UPLOAD_COLLECTION",
    "ClaimRefused",
    "ScanFailed",
    "UploadRefused",
    "check_upload",
    "claim",
    "fingerprint",
    "import_records",
    "owns",
    "pages_in_flight",
    "qualify_ready_programs",
    "reassign",
    "release",
    "requalify",
    "request_globus_upload",
    "request_preprocess",
    "request_publish",
    "request_scan",
    "run_globus_upload",
    "run_preprocess",
    "run_publish",
    "scan_files",
    "scan_records",
    "scan_store",
    "scheduled_scan",
    "scratch_folder",
    "set_notes",
    "set_priority",
    "upload_inversion",
]
