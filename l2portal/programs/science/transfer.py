"""Moving files between an endpoint and another: L1 frames into a program's scratch folder,
inversion results from a scientist, Level 2 products into the object-store bucket.

The data center moves files with Globus, which verifies each file's checksum itself (globus.py).
A site without Globus uses the local-copy or HTTP backend here, which verify each file the same
way, with SHA-256: the digest of the bytes as they arrive, compared with the file as written. No
checksum listing is needed from the source. A file already at the destination with the same
content is skipped (local copy: same SHA-256; HTTP: same size, as plain HTTP publishes no
checksum), so a transfer interrupted half way resumes without copying a file twice. Every file
lands through the project's atomic writer: an interrupted copy leaves no partial file.

Pure Python (no Django): requests and the project's file helpers.
"""

from __future__ import annotations

import hashlib
import html.parser
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin

import requests

from l2portal.files import CHUNK, atomic_output, sha256_file
from l2portal.unreachable import why_unreachable


class TransferError(Exception):
    """A transfer could not be done; the message names the file or task and why."""


class TransferUnavailable(TransferError):
    """The service or server that moves the files cannot be reached now; trying later may work."""


class ChecksumMismatch(TransferError):
    """A file's checksum as written differs from the one it arrived with; it was discarded."""


class StillRunning(Exception):
    """The transfer goes on beyond the time the caller waits; ``resume`` picks it up later."""

    def __init__(self, resume: Mapping):
        super().__init__(f"transfer still running: {dict(resume)}")
        self.resume = dict(resume)


def safe_relative(path: str) -> PurePosixPath:
    """A relative path that stays inside its root; TransferError otherwise."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or any(part in {"..", ""} for part in path.split("/")) or "\x00" in path:
        raise TransferError(f"path {path!r} must be relative and stay inside its folder")
    return relative


@dataclass(frozen=True)
class Endpoint:
    """One side of a transfer: a Globus collection id (None for a local folder or an HTTP server)
    and the path or URL standing for its root."""

    collection: str | None
    root: str
    local: Path | None = None  # where ``root`` is on this host, if it is (Globus endpoints)

    def path(self, relative: str) -> str:
        return str(PurePosixPath(self.root) / safe_relative(relative)) if relative else self.root

    def describe(self) -> str:
        return f"{self.collection}:{self.root}" if self.collection else self.root

    def local_files(self, relative: str, recursive: bool) -> list[tuple[str, Path]]:
        """(path relative to the root, local path) of the files at ``relative``, if this host
        sees them; [] otherwise."""
        if self.local is None:
            return []
        base = self.local / safe_relative(relative)
        if not recursive:
            return [(relative, base)] if base.is_file() else []
        return [
            (str(PurePosixPath(relative) / path.relative_to(base).as_posix()), path)
            for path in sorted(base.rglob("*"))
            if path.is_file()
        ]


@dataclass(frozen=True)
class TransferItem:
    source: str  # relative to the source endpoint's root
    destination: str  # relative to the destination endpoint's root
    recursive: bool = True  # a folder and everything in it


@dataclass(frozen=True)
class TransferJob:
    label: str
    source: Endpoint
    destination: Endpoint
    items: tuple[TransferItem, ...]


@dataclass(frozen=True)
class Fault:
    code: str  # the Transfer API's event code (VERIFY_CHECKSUM, ...) or ours
    description: str
    details: str = ""  # names the file, if the fault concerns one
    time: str = ""


@dataclass
class FileResult:
    path: str  # relative to the destination endpoint's root
    size: int | None
    verified_by: str  # "sha256" or "globus checksum"
    sha256: str = ""
    skipped: bool = False  # already there with the same content
    faults: list[str] = field(default_factory=list)


@dataclass
class TransferState:
    """What the transfer has done so far, reported while it runs."""

    status: str = "ACTIVE"
    task_id: str = ""
    files_total: int | None = None
    files_done: int = 0
    files_skipped: int = 0
    bytes_done: int = 0
    faults: int = 0
    current: str = ""


@dataclass
class TransferReport:
    backend: str
    task_id: str = ""
    files: list[FileResult] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    @property
    def bytes_transferred(self) -> int:
        return sum(f.size or 0 for f in self.files if not f.skipped)


class TransferWatch:
    """What a backend tells its caller while it runs (the service records it)."""

    def progress(self, state: TransferState) -> None:
        """The transfer moved on."""

    def remember(self, resume: Mapping) -> None:
        """Keep ``resume`` (a submitted task's ids): given back to ``run`` after a crash."""


class TransferBackend(ABC):
    name: str

    @abstractmethod
    def run(self, job: TransferJob, watch: TransferWatch, resume: Mapping | None = None) -> TransferReport:
        """Carry out ``job``; raise TransferError if it cannot be done, StillRunning if it is not
        done after the time the backend waits (call again with its ``resume``)."""


def _stream_to(
    path: Path, blocks: Iterator[bytes], state: TransferState, watch: TransferWatch
) -> tuple[int, str]:
    """Write ``blocks`` to ``path`` atomically, hashing them as they arrive; verify the written
    file against that digest. Returns (size, sha256)."""
    digest, size = hashlib.sha256(), 0
    with atomic_output(path, overwrite=True) as temporary:
        with open(temporary, "wb") as out:
            for block in blocks:
                out.write(block)
                digest.update(block)
                size += len(block)
                state.bytes_done += len(block)
                watch.progress(state)
        written = sha256_file(temporary)
        if written != digest.hexdigest():
            raise ChecksumMismatch(
                f"{path.name}: written SHA-256 {written} differs from the {digest.hexdigest()} it arrived "
                "with; discarded"
            )
    return size, digest.hexdigest()


def _each_file(
    backend: str,
    plan: list[tuple],
    destination: Endpoint,
    watch: TransferWatch,
    bring: Callable[[object, str, Path, TransferState], FileResult],
) -> TransferReport:
    """``bring(source, relative, target, state)`` each (source, relative path) of ``plan`` to the
    destination, one after the other, reporting progress after each."""
    state = TransferState(files_total=len(plan))
    report = TransferReport(backend)
    for source, relative in plan:
        state.current = relative
        result = bring(source, relative, Path(destination.path(relative)), state)
        state.files_skipped += result.skipped
        report.files.append(result)
        state.files_done += 1
        watch.progress(state)
    state.status = "SUCCEEDED"
    watch.progress(state)
    return report


class LocalCopyBackend(TransferBackend):
    """Copies between folders of this host; endpoints' roots are absolute folders."""

    name = "local"

    def _plan(self, job: TransferJob) -> list[tuple[Path, str]]:
        plan = []
        for item in job.items:
            source = Path(job.source.path(item.source))
            if item.recursive:
                if not source.is_dir():
                    raise TransferError(f"cannot copy {source}: no such folder")
                for path in sorted(p for p in source.rglob("*") if p.is_file()):
                    plan.append(
                        (path, str(PurePosixPath(item.destination) / path.relative_to(source).as_posix()))
                    )
            else:
                if not source.is_file():
                    raise TransferError(f"cannot copy {source}: no such file")
                plan.append((source, item.destination))
        return plan

    def run(self, job: TransferJob, watch: TransferWatch, resume: Mapping | None = None) -> TransferReport:
        def bring(source: Path, relative: str, target: Path, state: TransferState) -> FileResult:
            source_digest = sha256_file(source)
            if (
                target.is_file()
                and target.stat().st_size == source.stat().st_size
                and sha256_file(target) == source_digest
            ):
                return FileResult(relative, target.stat().st_size, "sha256", source_digest, skipped=True)
            size, digest = self._copy(source, target, state, watch)
            if digest != source_digest:
                target.unlink(missing_ok=True)
                raise ChecksumMismatch(
                    f"{relative}: copied SHA-256 {digest} differs from the source's {source_digest}"
                )
            return FileResult(relative, size, "sha256", digest)

        return _each_file(self.name, self._plan(job), job.destination, watch, bring)

    @staticmethod
    def _copy(source: Path, target: Path, state: TransferState, watch: TransferWatch) -> tuple[int, str]:
        try:
            with open(source, "rb") as reader:
                return _stream_to(target, iter(lambda: reader.read(CHUNK), b""), state, watch)
        except OSError as error:
            raise TransferError(f"cannot copy {source}: {error}") from None


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href and not href.startswith(("?", "/", "#", "..")) and "://" not in href:
            self.links.append(unquote(href))


class HttpBackend(TransferBackend):
    """Fetches from an HTTP(S) server into a local folder: the source root is a base URL whose
    folders have index pages (as a web server's directory listing), the destination root a folder."""

    name = "http"

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = (5.0, 60.0),
        chunk_size: int = 1024 * 1024,
    ):
        self.session = session or requests.Session()
        self.timeout = timeout
        self.chunk_size = chunk_size

    def _get(self, url: str, **kwargs) -> requests.Response:
        try:
            response = self.session.get(url, timeout=self.timeout, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise TransferUnavailable(f"GET {url} failed: {why_unreachable(error)}") from None
        except requests.RequestException as error:
            raise TransferError(f"GET {url} failed: {why_unreachable(error)}") from None
        if response.status_code != 200:
            response.close()
            raise TransferError(f"GET {url} answered HTTP {response.status_code}")
        return response

    def _list(self, url: str, prefix: str) -> list[tuple[str, str]]:
        """(file URL, relative path) of every file below the folder at ``url``."""
        parser = _Links()
        parser.feed(self._get(url).text)
        files = []
        for link in sorted(set(parser.links)):
            safe_relative(link.rstrip("/"))
            if link.endswith("/"):
                files += self._list(urljoin(url, link), f"{prefix}{link}")
            else:
                files.append((urljoin(url, link), f"{prefix}{link}"))
        return files

    def _size(self, url: str) -> int | None:
        try:
            response = self.session.head(url, timeout=self.timeout, allow_redirects=True)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise TransferUnavailable(f"HEAD {url} failed: {why_unreachable(error)}") from None
        except requests.RequestException as error:
            raise TransferError(f"HEAD {url} failed: {why_unreachable(error)}") from None
        length = response.headers.get("Content-Length")
        return int(length) if response.status_code == 200 and length and length.isdigit() else None

    def run(self, job: TransferJob, watch: TransferWatch, resume: Mapping | None = None) -> TransferReport:
        if job.destination.collection is not None:
            raise TransferError("the HTTP backend only fetches into a local folder")
        base = job.source.root.rstrip("/") + "/"
        plan = []
        for item in job.items:
            url = urljoin(base, str(safe_relative(item.source)))
            if item.recursive:
                plan += [
                    (file_url, f"{item.destination}/{relative}")
                    for file_url, relative in self._list(url + "/", "")
                ]
            else:
                plan.append((url, item.destination))

        def bring(url: str, relative: str, target: Path, state: TransferState) -> FileResult:
            size = self._size(url)
            if size is not None and target.is_file() and target.stat().st_size == size:
                return FileResult(relative, size, "sha256", sha256_file(target), skipped=True)
            with self._get(url, stream=True) as response:
                written, digest = _stream_to(target, response.iter_content(self.chunk_size), state, watch)
            if size is not None and written != size:
                target.unlink(missing_ok=True)
                raise TransferError(f"GET {url}: got {written} bytes, Content-Length said {size}; discarded")
            return FileResult(relative, written, "sha256", digest)

        return _each_file(self.name, plan, job.destination, watch, bring)
