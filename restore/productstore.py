"""The NGAS-like product store: product files of an MOUS by NGAS file id, over HTTP(S) or from a folder.

``location`` is either a local folder holding one file per NGAS file id (the demo store,
restore/data/demo_products), or a base URL. A URL may carry a ``{file_id}`` placeholder, as NGAS
wants (``http://ngas.example.org:7777/RETRIEVE?file_id={file_id}``); without one the file id is
appended as a path (``http://host/products`` -> ``http://host/products/<file id>``), which is how a
plain web server such as ``python -m http.server`` serves the demo folder.

Checksums: the store publishes, per MOUS, a listing ``member.<MOUS disk name>.SHA256SUMS`` (the
``sha256sum`` format, ``<sha256>  <file id>`` per line) next to the files. The size of a file is
what the store announces (HTTP Content-Length, or the size on disk). A fetched file is kept only if
both match; the caller decides where it goes. Pure Python (no Django).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

from l2portal.files import CHUNK
from restore.layout import disk_name, safe_component

HTTP_TIMEOUT = (10.0, 120.0)  # (connect, read) seconds
SHA256_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


class StoreError(RuntimeError):
    """The store does not have the file, or it cannot be read."""


class StoreUnreachable(StoreError):
    """The store did not answer; worth trying again later."""


class VerificationError(StoreError):
    """A fetched file does not have the size or checksum the store published; it was not kept."""


@dataclass(frozen=True)
class Fetched:
    size: int
    sha256: str


def checksum_listing_name(mous_uid: str) -> str:
    return f"member.{disk_name(mous_uid)}.SHA256SUMS"


def parse_checksums(text: str, what: str) -> dict[str, str]:
    """{file id: sha256} from ``sha256sum`` output; blank lines are ignored, anything else refused."""
    checksums = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = SHA256_LINE.fullmatch(line.strip())
        if match is None:
            raise StoreError(f"{what} line {number} is not '<sha256>  <file id>': {line!r}")
        checksums[match.group(2)] = match.group(1).lower()
    return checksums


class ProductStore:
    def __init__(self, location: str | Path, *, session: requests.Session | None = None):
        self.location = str(location)
        self.is_http = self.location.startswith(("http://", "https://"))
        self.session = session or requests.Session()

    def __str__(self):
        return self.location

    def url_for(self, file_id: str) -> str:
        file_id = safe_component(file_id, "NGAS file id")
        if "{file_id}" in self.location:
            return self.location.replace("{file_id}", quote(file_id, safe=""))
        return f"{self.location.rstrip('/')}/{quote(file_id)}"

    def _local_path(self, file_id: str) -> Path:
        return Path(self.location) / safe_component(file_id, "NGAS file id")

    def read(self, file_id: str) -> bytes:
        """A small file (manifest, script, checksum listing) in memory."""
        if not self.is_http:
            try:
                return self._local_path(file_id).read_bytes()
            except FileNotFoundError:
                raise StoreError(f"{file_id} is not in the product store {self.location}") from None
        with self._get(file_id) as response:
            return response.content

    def checksums(self, mous_uid: str) -> dict[str, str]:
        name = checksum_listing_name(mous_uid)
        return parse_checksums(self.read(name).decode("utf-8"), name)

    def fetch(
        self,
        file_id: str,
        destination: Path,
        expected_sha256: str,
        on_size: Callable[[int | None], None] = lambda size: None,
    ) -> Fetched:
        """Write ``file_id`` to ``destination`` (a temporary file of the caller) and verify it.

        ``on_size`` is told the size the store announces before the bytes arrive. Raises
        VerificationError (after removing ``destination``) if the size or sha256 differ.
        """
        digest = hashlib.sha256()
        received = 0
        if self.is_http:
            with self._get(file_id, stream=True) as response, open(destination, "wb") as writer:
                announced = response.headers.get("Content-Length")
                expected_size = int(announced) if announced and announced.isdigit() else None
                on_size(expected_size)
                try:
                    for block in response.iter_content(CHUNK):
                        writer.write(block)
                        digest.update(block)
                        received += len(block)
                except requests.RequestException as error:
                    raise StoreUnreachable(f"reading {self.url_for(file_id)} failed: {error}") from None
        else:
            source = self._local_path(file_id)
            try:
                expected_size = source.stat().st_size
                on_size(expected_size)
                with open(source, "rb") as reader, open(destination, "wb") as writer:
                    while block := reader.read(CHUNK):
                        writer.write(block)
                        digest.update(block)
                        received += len(block)
            except FileNotFoundError:
                raise StoreError(f"{file_id} is not in the product store {self.location}") from None
        sha256 = digest.hexdigest()
        problem = None
        if expected_size is not None and received != expected_size:
            problem = f"size {received} bytes, the store announced {expected_size}"
        elif sha256 != expected_sha256.lower():
            problem = f"sha256 {sha256}, the store's checksum listing says {expected_sha256.lower()}"
        if problem:
            Path(destination).unlink(missing_ok=True)
            raise VerificationError(f"{file_id}: {problem}; the file was not kept")
        return Fetched(size=received, sha256=sha256)

    def _get(self, file_id: str, stream: bool = False) -> requests.Response:
        url = self.url_for(file_id)
        try:
            response = self.session.get(url, stream=stream, timeout=HTTP_TIMEOUT)
        except requests.RequestException as error:
            raise StoreUnreachable(f"GET {url} failed: {error}") from None
        if response.status_code == 404:
            response.close()
            raise StoreError(f"{file_id} is not in the product store (GET {url} answered 404)")
        if response.status_code != 200:
            response.close()
            error = StoreUnreachable if response.status_code >= 500 else StoreError
            raise error(f"GET {url} answered HTTP {response.status_code}")
        return response
