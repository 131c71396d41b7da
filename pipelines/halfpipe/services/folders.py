"""Where HalfPipe's files go: the staging and output roots (settings) are folders directly under
the data root, each the RUN collection of its files; names carry the downlink, chunk and run as
the original's do (run id in decimal, ``r0545208791``; run start in hex, ``207f6e57``)."""

from __future__ import annotations

import re
from pathlib import Path

from l2portal.ledger.refusals import InvalidRequest
from l2portal.registry import services as registry
from l2portal.registry.models import Collection

from ... import conf

PROCESSING_NAME = re.compile(r"^[Pp]\d+$")


class FolderMisconfigured(InvalidRequest):
    """A staging or output root that products cannot be registered under."""

    code = "pipelines_folder_misconfigured"


def _collection(setting_name: str, root: Path, description: str) -> Collection:
    if root.resolve().parent != registry.data_root().resolve():
        raise FolderMisconfigured(
            f"{setting_name} ({root}) must be a folder directly under L2PORTAL_DATA_ROOT "
            f"({registry.data_root()}): products are registered relative to it"
        )
    return registry.get_run_collection(root.name, description)


def staging_collection() -> Collection:
    return _collection("PIPELINES_STAGING_ROOT", conf.staging_root(), "decoded chunks of downlinks")


def output_collection() -> Collection:
    root = conf.output_root()
    if not PROCESSING_NAME.match(root.name):
        raise FolderMisconfigured(
            f"PIPELINES_OUTPUT_ROOT ({root}) must be named after the processing, P and digits (P305)"
        )
    return _collection("PIPELINES_OUTPUT_ROOT", root, "merged runs and their Level 1 files")


def chunk_events_path(collection: Collection, downlink_id: int, chunk: int, run_id: int, sha256: str) -> str:
    name = f"{collection.name}_{downlink_id:09d}-{chunk:05d}-{run_id:08x}-{sha256[:12]}.fits"
    return registry.product_path(collection, f"{downlink_id:09d}", name)


def merged_path(collection: Collection, run_id: int, version: int) -> str:
    name = f"{collection.name}_r{run_id:010d}_{run_id:08x}_evt_v{version:03d}.fits"
    return registry.product_path(collection, f"{run_id:08x}", name)


def level1_path(collection: Collection, run_id: int, name: str) -> str:
    return registry.product_path(collection, f"{run_id:08x}", "level1", name)
