"""The product store: product files of an MOUS by NGAS file id, from NGAS itself or a folder.

``location`` is either the base URL of an NGAS server (``http://ngas.example.org:7777``), spoken to
as NGAS is: ``STATUS?file_id=`` for the file's size and CRC, ``RETRIEVE?file_id=`` for its bytes,
streamed, with ``Content-Length`` checked and an interrupted transfer resumed with ``Range:
bytes=<offset>-`` (the only form NGAS accepts; a server that ignores it is read again from the
start). Or a folder holding one file per NGAS file id (sites that mount the NGAS volumes), whose
CRCs the store computes itself. Either way a file is kept only if its size and CRC are the store's;
its sha256 is computed on the way for the portal's own records. Pure Python (no Django).
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import requests

from l2portal.files import CHUNK
from l2portal.unreachable import why_unreachable
from restore.science.layout import safe_component
from restore.science.ngas import Crc, NgasError, NgasFile, parse_status

HTTP_TIMEOUT = (10.0, 120.0)  # (connect, read) seconds
# Read size of a transfer: what arrived before a broken connection is kept, up to one block lost.
HTTP_BLOCK = 256 * 1024
FOLDER_VARIANT = "crc32c"  # what a folder store computes
MAX_RESUMES = 5
BUSY_RETRIES = 3
MAX_BUSY_WAIT = 10.0  # seconds, whatever Retry-After says


class StoreError(RuntimeError):
    """The store does not have the file, or refused the request; retrying will not help."""


class StoreUnreachable(StoreError):
    """The store did not answer, or is busy; worth trying again later."""


class VerificationError(StoreError):
    """A fetched file does not have the size or CRC the store holds; it was not kept."""


@dataclass(frozen=True)
class Fetched:
    size: int
    sha256: str
    checksum: str  # the store's CRC, which the file matched
    variant: str


class _Digests:
    """CRC of the store's variant and the portal's sha256 of the bytes written so far."""

    def __init__(self, variant: str):
        self.crc = Crc(variant)
        self.sha256 = hashlib.sha256()
        self.size = 0

    def update(self, block: bytes) -> None:
        self.crc.update(block)
        self.sha256.update(block)
        self.size += len(block)


def _verified(file: NgasFile, digests: _Digests) -> Fetched:
    problem = None
    if digests.size != file.size:
        problem = f"{digests.size} bytes arrived, the store holds {file.size}"
    elif not digests.crc.matches(file.checksum):
        problem = f"{file.variant} {digests.crc.value}, the store holds {file.checksum}"
    if problem:
        raise VerificationError(f"{file.file_id}: {problem}; the file was not kept")
    return Fetched(file.size, digests.sha256.hexdigest(), file.checksum, file.variant)


class ProductStore:
    def __init__(self, location: str | Path, *, session: requests.Session | None = None):
        self.location = str(location)
        self.is_http = self.location.startswith(("http://", "https://"))
        self.session = session or requests.Session()

    def __str__(self):
        return self.location

    def status(self, file_id: str) -> NgasFile:
        """The file's size and CRC as the store holds them."""
        file_id = safe_component(file_id, "NGAS file id")
        if not self.is_http:
            return self._folder_status(file_id)
        with self._command("STATUS", file_id) as response:
            answer = self._status_document(response, "STATUS", file_id)
        if answer.file is None or answer.file.file_id != file_id:
            raise StoreError(f"NGAS STATUS for {file_id} answered no status of that file")
        return answer.file

    def read(self, file_id: str) -> bytes:
        """A small file (manifest, restore script) in memory, verified like any other."""
        file = self.status(file_id)
        buffer = io.BytesIO()
        _verified(file, self._copy(file, buffer))
        return buffer.getvalue()

    def fetch(
        self, file_id: str, destination: Path, on_size: Callable[[int], None] = lambda size: None
    ) -> Fetched:
        """Write ``file_id`` to ``destination`` (a temporary file of the caller) and verify it.

        ``on_size`` is told the size the store holds before the bytes arrive. Raises
        VerificationError (after removing ``destination``) if the size or CRC differ."""
        file = self.status(file_id)
        on_size(file.size)
        with open(destination, "wb") as writer:
            digests = self._copy(file, writer)
        try:
            return _verified(file, digests)
        except VerificationError:
            Path(destination).unlink(missing_ok=True)
            raise

    def _copy(self, file: NgasFile, writer: BinaryIO) -> _Digests:
        digests = _Digests(file.variant)

        def restart() -> None:  # the server ignored the range: everything comes again
            nonlocal digests
            writer.seek(0)
            writer.truncate()
            digests = _Digests(file.variant)

        for block in self._blocks(file, restart):
            writer.write(block)
            digests.update(block)
        return digests

    def _blocks(self, file: NgasFile, restart: Callable[[], None]):
        """The file's bytes, an interrupted transfer resumed where it stopped."""
        if not self.is_http:
            yield from self._folder_blocks(file.file_id)
            return
        received, resumes = 0, 0
        while True:
            headers = {"Range": f"bytes={received}-"} if received else {}
            with self._command("RETRIEVE", file.file_id, headers=headers, stream=True) as response:
                # NGAS answers a range with 200 and a Content-Range; without one it sent it all.
                if received and not response.headers.get("Content-Range", "").startswith(
                    f"bytes {received}-"
                ):
                    restart()
                    received = 0
                end = received + self._content_length(response, file, received)
                try:
                    for block in response.iter_content(HTTP_BLOCK):
                        received += len(block)
                        yield block
                except requests.RequestException:
                    pass  # resumed below from what arrived
            if received >= end:
                return
            resumes += 1
            if resumes > MAX_RESUMES:
                raise StoreUnreachable(
                    f"{file.file_id}: the transfer stopped {resumes} times; {received} of {file.size} bytes "
                    "arrived"
                )

    @staticmethod
    def _content_length(response: requests.Response, file: NgasFile, start: int) -> int:
        announced = response.headers.get("Content-Length", "")
        if not announced.isdigit():
            raise StoreError(f"NGAS RETRIEVE of {file.file_id} answered without a Content-Length")
        if start + int(announced) != file.size:
            raise VerificationError(
                f"{file.file_id}: RETRIEVE announces {int(announced)} bytes from byte {start}, STATUS says "
                f"the file has {file.size}; the file was not kept"
            )
        return int(announced)

    # -- NGAS over HTTP ------------------------------------------------------------------------

    def _url(self, command: str) -> str:
        return f"{self.location.rstrip('/')}/{command}"

    def _command(
        self, command: str, file_id: str, *, headers: dict | None = None, stream: bool = False
    ) -> requests.Response:
        """One NGAS command; a busy server (503) is asked again after the wait it names."""
        url = self._url(command)
        for attempt in range(BUSY_RETRIES + 1):
            try:
                response = self.session.get(
                    url, params={"file_id": file_id}, headers=headers, stream=stream, timeout=HTTP_TIMEOUT
                )
            except requests.RequestException as error:
                raise StoreUnreachable(
                    f"NGAS {command} of {file_id} at {url}: {why_unreachable(error)}"
                ) from None
            if response.status_code != 503:
                break
            response.close()
            if attempt < BUSY_RETRIES:
                time.sleep(self._busy_wait(response))
        else:
            raise StoreUnreachable(
                f"NGAS at {url} is busy (503) after {BUSY_RETRIES + 1} attempts for {file_id}"
            )
        if response.status_code == 200:
            return response
        with response:
            reason = self._failure_message(response)
        error = StoreUnreachable if response.status_code >= 500 else StoreError
        raise error(f"NGAS {command} of {file_id} answered HTTP {response.status_code}: {reason}")

    @staticmethod
    def _busy_wait(response: requests.Response) -> float:
        retry_after = response.headers.get("Retry-After", "")
        return min(float(retry_after), MAX_BUSY_WAIT) if retry_after.isdigit() else 1.0

    @staticmethod
    def _failure_message(response: requests.Response) -> str:
        try:
            return parse_status(response.content).message or "no message"
        except (NgasError, ValueError):
            return response.text[:200] or "no message"

    @staticmethod
    def _status_document(response: requests.Response, command: str, file_id: str):
        try:
            answer = parse_status(response.content)
        except (NgasError, ValueError) as error:
            raise StoreError(f"NGAS {command} of {file_id}: {error}") from None
        if answer.status != "SUCCESS":
            raise StoreError(f"NGAS {command} of {file_id} failed: {answer.message}")
        return answer

    # -- a folder of NGAS files ------------------------------------------------------------------

    def _folder_path(self, file_id: str) -> Path:
        return Path(self.location) / safe_component(file_id, "NGAS file id")

    def _folder_blocks(self, file_id: str):
        try:
            with open(self._folder_path(file_id), "rb") as reader:
                while block := reader.read(CHUNK):
                    yield block
        except FileNotFoundError:
            raise StoreError(f"{file_id} is not in the product store {self.location}") from None

    def _folder_status(self, file_id: str) -> NgasFile:
        digests = _Digests(FOLDER_VARIANT)
        for block in self._folder_blocks(file_id):
            digests.crc.update(block)
            digests.size += len(block)
        if digests.size != os.path.getsize(self._folder_path(file_id)):
            raise StoreError(f"{file_id} changed while its CRC was computed in {self.location}")
        return NgasFile(file_id, digests.size, str(digests.crc.value), FOLDER_VARIANT)
