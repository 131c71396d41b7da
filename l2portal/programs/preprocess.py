"""The pure part of preprocessing an Observing Program: fetch its L1 frames into a scratch folder
and describe them for the inversion in a manifest.

Transfers go through a pluggable backend (local copy, HTTP, Globus). Every file lands through
the project's atomic writer and is checked against its expected SHA-256, so a failed or
interrupted run leaves no partial file and a repeated run skips what is already complete.
"""

from __future__ import annotations

import json
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import requests
from astropy.io import fits

from l2portal.files import CHUNK, atomic_output, sha256_file
from l2portal.programs.metadata import DatasetInventory
from l2portal.programs.qualify import DEFAULT_LINES, SpectralLine, identify_lines

# Header keyword of the metadata store's dataset id in DKIST L1 frames (SPEC-0214).
DATASET_ID_KEYWORD = "DSETID"
MANIFEST_VERSION = 1
# Each dataset's folder at the L1 source lists its frames: "<sha256>  <file name>" per line.
CHECKSUM_LISTING = "SHA256SUMS"
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class TransferError(Exception):
    """A file could not be fetched."""


class ChecksumMismatch(TransferError):
    """A fetched file's SHA-256 is not the expected one; the file was discarded."""


@dataclass(frozen=True)
class TransferItem:
    source: str  # path or URL, as the backend understands it
    sha256: str
    dest: str  # relative path inside the scratch folder
    size: int | None = None


@dataclass(frozen=True)
class Progress:
    item: TransferItem
    index: int  # 1-based position in the list
    total: int
    state: str  # "skipped", "fetching" or "fetched"
    bytes_done: int
    bytes_total: int | None


ProgressCallback = Callable[[Progress], None]


@dataclass
class FetchReport:
    fetched: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return sorted(self.fetched + self.skipped)


class TransferBackend(ABC):
    @abstractmethod
    def fetch(self, source: str, destination: Path, on_bytes: Callable[[int], None]) -> None:
        """Write all of ``source`` to ``destination`` (a temporary file), calling ``on_bytes(n)``
        as data arrives. Raise TransferError on failure."""


class LocalCopyBackend(TransferBackend):
    """Copies from the local filesystem; relative sources are taken under ``root``."""

    def __init__(self, root: str | os.PathLike | None = None, chunk_size: int = CHUNK):
        self.root = Path(root) if root is not None else None
        self.chunk_size = chunk_size

    def fetch(self, source: str, destination: Path, on_bytes: Callable[[int], None]) -> None:
        path = Path(source)
        if self.root is not None and not path.is_absolute():
            path = self.root / path
        try:
            with open(path, "rb") as reader, open(destination, "wb") as writer:
                while block := reader.read(self.chunk_size):
                    writer.write(block)
                    on_bytes(len(block))
        except OSError as error:
            raise TransferError(f"cannot copy {path}: {error}") from None


class HttpBackend(TransferBackend):
    """Streams from HTTP(S); relative sources are joined to ``base_url``."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = (5.0, 60.0),
        chunk_size: int = 1024 * 1024,
    ):
        self.base_url = base_url.rstrip("/") + "/" if base_url else None
        self.session = session or requests.Session()
        self.timeout = timeout
        self.chunk_size = chunk_size

    def fetch(self, source: str, destination: Path, on_bytes: Callable[[int], None]) -> None:
        url = source if "://" in source or self.base_url is None else self.base_url + source.lstrip("/")
        try:
            with self.session.get(url, stream=True, timeout=self.timeout) as response:
                if response.status_code != 200:
                    raise TransferError(f"GET {url} answered HTTP {response.status_code}")
                with open(destination, "wb") as writer:
                    for block in response.iter_content(self.chunk_size):
                        writer.write(block)
                        on_bytes(len(block))
        except requests.RequestException as error:
            raise TransferError(f"GET {url} failed: {error}") from None


class GlobusBackend(TransferBackend):
    """Transfers one file at a time with Globus and waits for it.

    ``destination_root`` is the local folder that ``destination_path`` names on the destination
    endpoint, so a temporary local file maps to a path on that endpoint. Needs the optional
    globus-sdk package and an authenticated ``globus_sdk.TransferClient``.
    """

    def __init__(
        self,
        *,
        source_endpoint: str,
        destination_endpoint: str,
        destination_root: str | os.PathLike,
        destination_path: str = "/",
        transfer_client: Any = None,
        wait_timeout: float = 3600.0,
    ):
        self.source_endpoint = source_endpoint
        self.destination_endpoint = destination_endpoint
        self.destination_root = Path(destination_root)
        self.destination_path = PurePosixPath(destination_path)
        self.transfer_client = transfer_client
        self.wait_timeout = wait_timeout

    def fetch(self, source: str, destination: Path, on_bytes: Callable[[int], None]) -> None:
        try:
            import globus_sdk
        except ImportError:
            raise TransferError(
                "the Globus backend needs the globus-sdk package: pip install globus-sdk"
            ) from None
        if self.transfer_client is None:
            raise TransferError(
                "the Globus backend is not configured: give it an authenticated globus_sdk.TransferClient"
            )
        try:
            relative = Path(destination).resolve().relative_to(self.destination_root.resolve())
        except ValueError:
            raise TransferError(
                f"{destination} is not under destination_root {self.destination_root}"
            ) from None
        data = globus_sdk.TransferData(
            source_endpoint=self.source_endpoint,
            destination_endpoint=self.destination_endpoint,
            label="l2portal preprocess",
            verify_checksum=True,
        )
        data.add_item(source, str(self.destination_path / relative.as_posix()))
        try:
            task_id = self.transfer_client.submit_transfer(data)["task_id"]
            finished = self.transfer_client.task_wait(task_id, timeout=self.wait_timeout)
            status = self.transfer_client.get_task(task_id)["status"]
        except globus_sdk.GlobusError as error:
            raise TransferError(f"Globus transfer of {source} failed: {error}") from None
        if not finished or status != "SUCCEEDED":
            raise TransferError(f"Globus task {task_id} for {source} ended as {status}")
        on_bytes(Path(destination).stat().st_size)


def listing_path(dataset_id: str) -> str:
    """Where a dataset's SHA256SUMS listing is at the L1 source. Dataset ids come from the metadata
    store and become folder names on both sides of the copy: one that is not a plain name is
    refused (TransferError)."""
    if dataset_id in {".", ".."} or any(c in dataset_id for c in "/\\\x00"):
        raise TransferError(f"dataset id {dataset_id!r} cannot name a folder; refusing to fetch it")
    return f"{dataset_id}/{CHECKSUM_LISTING}"


def parse_listing(dataset_id: str, text: str) -> list[TransferItem]:
    """The frames a dataset's SHA256SUMS listing names, as transfers from and to
    ``<dataset id>/<file name>``. A line that is not ``<sha256>  <file name>``, with a name that
    stays in the dataset's folder, raises TransferError naming the line."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.strip().partition("  ")
        if not _SHA256.fullmatch(digest) or not name or "/" in name or name in {".", ".."}:
            raise TransferError(f"{listing_path(dataset_id)} line {number} is not '<sha256>  <file>'")
        items.append(TransferItem(f"{dataset_id}/{name}", digest, f"{dataset_id}/{name}"))
    return items


def _scratch_path(scratch_dir: Path, relative: str) -> Path:
    parts = PurePosixPath(relative)
    if parts.is_absolute() or ".." in parts.parts or not parts.parts:
        raise TransferError(f"destination {relative!r} must be a relative path inside the scratch folder")
    return scratch_dir.joinpath(*parts.parts)


def is_complete(path: Path, item: TransferItem) -> bool:
    """The file is there with the expected size (when known) and SHA-256."""
    if not path.is_file():
        return False
    if item.size is not None and path.stat().st_size != item.size:
        return False
    return sha256_file(path) == item.sha256.lower()


def fetch_files(
    items: Sequence[TransferItem],
    scratch_dir: str | os.PathLike,
    backend: TransferBackend,
    progress: ProgressCallback | None = None,
) -> FetchReport:
    """Fetch every item into ``scratch_dir``, skipping complete files; stop at the first failure.

    A file that fails its checksum is discarded (ChecksumMismatch); an existing but incomplete
    file is removed before it is fetched again.
    """
    scratch = Path(scratch_dir)
    report = FetchReport()
    total = len(items)

    def tell(item: TransferItem, index: int, state: str, done: int) -> None:
        if progress is not None:
            progress(Progress(item, index, total, state, done, item.size))

    for index, item in enumerate(items, start=1):
        path = _scratch_path(scratch, item.dest)
        if is_complete(path, item):
            report.skipped.append(path)
            tell(item, index, "skipped", path.stat().st_size)
            continue
        path.unlink(missing_ok=True)

        received = 0

        def on_bytes(count: int, item: TransferItem = item, index: int = index) -> None:
            nonlocal received
            received += count
            tell(item, index, "fetching", received)

        with atomic_output(path) as temporary:
            backend.fetch(item.source, temporary, on_bytes)
            size = temporary.stat().st_size
            if item.size is not None and size != item.size:
                raise ChecksumMismatch(f"{item.source}: got {size} bytes, expected {item.size}; discarded")
            digest = sha256_file(temporary)
            if digest != item.sha256.lower():
                raise ChecksumMismatch(
                    f"{item.source}: SHA-256 {digest} does not match the expected "
                    f"{item.sha256.lower()}; discarded"
                )
        report.fetched.append(path)
        tell(item, index, "fetched", size)
    return report


def _frame_dataset(header: fits.Header, frame: Path) -> DatasetInventory:
    dataset_id = header.get(DATASET_ID_KEYWORD)
    if not dataset_id:
        raise ValueError(f"{frame}: header has no {DATASET_ID_KEYWORD}")
    named_lines = [value for key, value in header.items() if key.startswith("SPECLN")]
    return DatasetInventory(
        dataset_id=str(dataset_id),
        observing_program_execution_id=str(header.get("OBSPR_ID", "")),
        wavelength_min=header.get("WAVEMIN"),
        wavelength_max=header.get("WAVEMAX"),
        spectral_lines=tuple(named_lines) if named_lines else None,
    )


def build_inversion_manifest(
    program_id: str,
    frames: Iterable[str | os.PathLike],
    scratch_dir: str | os.PathLike,
    lines: Sequence[SpectralLine] = DEFAULT_LINES,
    tolerance_nm: float = 0.05,
) -> dict[str, Any]:
    """Frames per dataset and per spectral line, read from the L1 frame headers.

    Deterministic (no timestamps, sorted), so preprocessing the same frames twice writes the
    same manifest.
    """
    scratch = Path(scratch_dir)
    datasets: dict[str, dict[str, Any]] = {}
    for frame in frames:
        frame = Path(frame)
        dataset = _frame_dataset(fits.getheader(frame), frame)
        entry = datasets.setdefault(
            dataset.dataset_id, {"lines": identify_lines(dataset, lines, tolerance_nm), "frames": []}
        )
        entry["frames"].append(frame.relative_to(scratch).as_posix())

    by_line: dict[str, dict[str, Any]] = {}
    for dataset_id in sorted(datasets):
        entry = datasets[dataset_id]
        entry["frames"].sort()
        entry["frame_count"] = len(entry["frames"])
        for line in entry["lines"]:
            summary = by_line.setdefault(line, {"datasets": [], "frame_count": 0})
            summary["datasets"].append(dataset_id)
            summary["frame_count"] += entry["frame_count"]
    return {
        "version": MANIFEST_VERSION,
        "program_id": program_id,
        "datasets": {dataset_id: datasets[dataset_id] for dataset_id in sorted(datasets)},
        "lines": {line: by_line[line] for line in sorted(by_line)},
    }


def write_inversion_manifest(path: str | os.PathLike, manifest: Mapping[str, Any]) -> Path:
    """Write the manifest JSON atomically; a changed manifest replaces the old one."""
    with atomic_output(path, overwrite=True) as temporary:
        temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return Path(path)
