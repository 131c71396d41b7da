"""A small NGAS server for the demo and the tests: ``STATUS?file_id=`` and ``RETRIEVE?file_id=``
answered the way ICRAR's NGAS answers them, from the product files of the demo archive.

``python -m restore.standins.ngas_server --port 7777`` serves restore/data/demo_products, the files that
ASA_PRODUCT_FILES of the demo archive lists (others are not archived); then set
``RESTORE_PRODUCT_STORE=http://127.0.0.1:7777``.

As NGAS does: a status document (``NgamsStatus``, with its DOCTYPE line) whose FileStatus carries
FileSize, Checksum (decimal) and ChecksumPlugIn; failures as the same document with Status FAILURE
and HTTP 400 (``NGAMS_ER_UNAVAIL_FILE`` for an unknown file id); RETRIEVE as an attachment with
Content-Length, and a ``Range: bytes=<start>-`` answered with 200, Content-Range and the rest of the
file (any other Range form is refused, as NGAS refuses it). Fault injection for the tests:
``truncate`` (the body stops half way, Content-Length unchanged), ``wrong_crc`` (STATUS gives a CRC
off by one), ``busy`` (503 with a status document and Retry-After), ``no_ranges`` (Range ignored).
Never imported by production code.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import threading
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import quoteattr

from l2portal.local_server import BackgroundServer, QuietHandler
from restore.science import archive
from restore.science.ngas import Crc

NGAS_VERSION = "v11.0/2020-05-06T12:00:00"
HOST_ID = "demo-ngas"
DISK_ID = "demo-ngas-disk-1"
FAULTS = ("truncate", "wrong_crc", "busy", "no_ranges")
DISK_ATTRIBUTES = [("DiskId", DISK_ID), ("Archive", "ALMA"), ("HostId", HOST_ID)]
INVALID_RANGE = "Invalid Range header, must have the form 'bytes=start-' (start offset only)"


def _attributes(pairs: list[tuple[str, object]]) -> str:
    return " ".join(f"{name}={quoteattr(str(value))}" for name, value in pairs)


class NgasArchive:
    """The files the server holds (NGAS file id -> path), their CRC variant, and queued faults."""

    def __init__(self, files: dict[str, Path], variant: str = "crc32c"):
        self.files = dict(files)
        self.variant = variant
        self.ingested = datetime(2018, 7, 20, 9, 30, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000")
        self.requests: list[tuple[str, str, str]] = []  # (command, file id, Range header)
        self._faults: dict[tuple[str, str | None], int] = defaultdict(int)
        self._lock = threading.Lock()
        self._checksums: dict[tuple[str, int, int], int] = {}

    @classmethod
    def from_demo_archive(
        cls, folder: Path = archive.DEMO_PRODUCTS_DIR, variant: str = "crc32c"
    ) -> NgasArchive:
        connection = archive.connect(None)
        try:
            names = {row[0] for row in connection.execute("SELECT NGAS_FILE_ID FROM ASA_PRODUCT_FILES")}
        finally:
            connection.close()
        return cls({name: Path(folder) / name for name in names if (Path(folder) / name).is_file()}, variant)

    def inject(self, kind: str, file_id: str | None = None, times: int = 1) -> None:
        """The next ``times`` requests (for ``file_id``, or any) meet fault ``kind``."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._faults[(kind, file_id)] += times

    def take(self, kind: str, file_id: str) -> bool:
        with self._lock:
            for key in ((kind, file_id), (kind, None)):
                if self._faults[key] > 0:
                    self._faults[key] -= 1
                    return True
        return False

    def checksum(self, file_id: str) -> str:
        """The file's CRC as NGAS holds it: computed once, as NGAS does when it archives a file."""
        path = self.files[file_id]
        key = (file_id, path.stat().st_size, path.stat().st_mtime_ns)
        if key not in self._checksums:
            crc = Crc(self.variant)
            with open(path, "rb") as reader:
                while block := reader.read(1 << 22):
                    crc.update(block)
            self._checksums[key] = crc.value
        value = self._checksums[key]
        if self.variant == "crc32" and value >= 2**31:
            value -= 2**32  # stored signed, as Python 2 servers did
        return str(value)

    def status_document(self, status: str, message: str, file_id: str | None = None) -> bytes:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        lines = [
            '<?xml version="1.0" ?>',
            f'<!DOCTYPE NgamsStatus SYSTEM "http://{HOST_ID}:7777/RETRIEVE?internal=ngamsStatus.dtd">',
            "<NgamsStatus>",
            "  <Status "
            + _attributes(
                [
                    ("Date", now),
                    ("Version", NGAS_VERSION),
                    ("HostId", HOST_ID),
                    ("Message", message),
                    ("Status", status),
                    ("State", "ONLINE"),
                    ("SubState", "IDLE"),
                ]
            )
            + "/>",
        ]
        if file_id is not None:
            path = self.files[file_id]
            checksum = self.checksum(file_id)
            if self.take("wrong_crc", file_id):
                checksum = str(int(checksum) + 1)
            lines += [
                f"  <DiskStatus {_attributes(DISK_ATTRIBUTES)}>",
                "    <FileStatus "
                + _attributes(
                    [
                        ("FileName", f"saf/2018-07-20/1/{file_id}"),
                        ("FileId", file_id),
                        ("FileVersion", 1),
                        ("Format", "application/octet-stream"),
                        ("FileSize", path.stat().st_size),
                        ("UncompressedFileSize", path.stat().st_size),
                        ("Compression", ""),
                        ("IngestionDate", self.ingested),
                        ("Ignore", 0),
                        ("Checksum", checksum),
                        ("ChecksumPlugIn", self.variant),
                        ("FileStatus", "00000000"),
                        ("CreationDate", self.ingested),
                    ]
                )
                + "/>",
                "  </DiskStatus>",
            ]
        lines.append("</NgamsStatus>")
        return "\n".join(lines).encode()


class _NgasHandler(QuietHandler):
    server_version = f"NGAMS/{NGAS_VERSION}"

    def _fail(self, message: str, code: int = 400, headers: dict[str, str] | None = None) -> None:
        self.send(
            code, self.server.state.status_document("FAILURE", message), "text/xml", (headers or {}).items()
        )

    def do_GET(self) -> None:
        ngas = self.server.state
        url = urlsplit(self.path)
        command = url.path.strip("/").upper()
        file_id = (parse_qs(url.query).get("file_id") or [""])[0]
        ngas.requests.append((command, file_id, self.headers.get("Range", "")))
        if ngas.take("busy", file_id):
            self._fail(
                "NGAMS_ER_MAX_REQ_EXCEEDED:4100:ERROR: Maximum number of requests exceeded",
                503,
                {"Retry-After": "0"},
            )
            return
        if command not in ("STATUS", "RETRIEVE"):
            self._fail(f"NGAMS_ER_ILL_CMD:4010:ERROR: Illegal command: {command} received")
            return
        if file_id not in ngas.files or not ngas.files[file_id].is_file():
            self._fail(
                f"NGAMS_ER_UNAVAIL_FILE:4019:ERROR: File with ID: {file_id} appears not to be available."
            )
            return
        if command == "STATUS":
            self.send(
                200,
                ngas.status_document("SUCCESS", "Successfully handled command STATUS", file_id),
                "text/xml",
            )
        else:
            self._retrieve(file_id)

    def _retrieve(self, file_id: str) -> None:
        ngas = self.server.state
        data = ngas.files[file_id].read_bytes()
        start, headers = 0, {}
        range_header = self.headers.get("Range", "")
        if range_header and not ngas.take("no_ranges", file_id):
            try:
                start = int(range_header[6:-1])
                if not range_header.startswith("bytes=") or not range_header.endswith("-") or start < 0:
                    raise ValueError
            except ValueError:
                self._fail(f"Error: {INVALID_RANGE}")
                return
            if start:
                headers = {
                    "Accept-Ranges": "bytes",
                    "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                }
        body = data[start:]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Disposition", f'attachment; filename="{file_id}"')
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if ngas.take("truncate", file_id):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


class NgasServer(BackgroundServer):
    """The NGAS server on a background thread; a context manager. ``port=0`` takes a free port."""

    name = "ngas-server"

    def __init__(
        self, ngas: NgasArchive | None = None, *, host: str = "127.0.0.1", port: int = 0, verbose=False
    ):
        self.ngas = ngas or NgasArchive.from_demo_archive()
        super().__init__(_NgasHandler, self.ngas, host=host, port=port, verbose=verbose)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7777)
    parser.add_argument("--folder", type=Path, default=archive.DEMO_PRODUCTS_DIR, help="where the files are")
    parser.add_argument("--variant", default="crc32c", choices=("crc32", "crc32c", "crc32z"))
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    ngas = NgasArchive.from_demo_archive(args.folder, args.variant)
    server = NgasServer(ngas, host=args.host, port=args.port, verbose=args.verbose)
    print(f"NGAS with {len(ngas.files)} files ({args.variant}) at {server.base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
