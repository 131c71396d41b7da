"""NGAS as it is: its status documents and its CRC variants (ICRAR/ngas, the store ALMA serves from).

``STATUS?file_id=X`` answers an ``NgamsStatus`` XML document (with a ``<!DOCTYPE NgamsStatus
SYSTEM ".../RETRIEVE?internal=ngamsStatus.dtd">`` line, never loaded here) whose
``DiskStatus/FileStatus`` element carries ``FileSize``, ``Checksum`` (a decimal integer) and
``ChecksumPlugIn`` (the CRC variant). A failure is the same document with ``Status="FAILURE"`` and the
reason in ``Message`` (HTTP 400; 503 when the server is busy).

CRC variants (ngamsFileUtils.get_checksum_info): ``crc32`` (also stored by older servers as
``ngamsGenCrc32``/``StreamCrc32``, or ``0``) is zlib's CRC-32, which Python 2 servers stored signed,
so it is compared modulo 2**32; ``crc32c`` (``1``) is CRC-32C, through the ``crc32c`` package;
``crc32z`` (``2``) is zlib's CRC-32 stored unsigned.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import crc32c

from l2portal.xmlsafe import parse_untrusted_xml

VARIANT_NAMES = {
    "crc32": "crc32",
    "ngamsGenCrc32": "crc32",
    "StreamCrc32": "crc32",
    "0": "crc32",
    "crc32c": "crc32c",
    "1": "crc32c",
    "crc32z": "crc32z",
    "2": "crc32z",
}


class NgasError(ValueError):
    """An NGAS answer the portal cannot use (not a status document, no file status, unknown CRC)."""


def variant_name(plug_in: str) -> str:
    """The CRC variant of a ``ChecksumPlugIn`` value; refuses what NGAS itself would not know."""
    try:
        return VARIANT_NAMES[plug_in.strip()]
    except KeyError:
        raise NgasError(
            f"unknown NGAS checksum variant {plug_in!r}; known: {', '.join(sorted(VARIANT_NAMES))}"
        ) from None


class Crc:
    """A running CRC of one NGAS variant."""

    def __init__(self, variant: str):
        self.variant = variant_name(variant)
        self.value = 0

    def update(self, block: bytes) -> None:
        if self.variant == "crc32c":
            self.value = crc32c.crc32c(block, self.value)
        else:
            self.value = zlib.crc32(block, self.value)

    def matches(self, stored: str) -> bool:
        """Whether ``stored`` (NGAS's decimal text) is this CRC; crc32 may be stored signed."""
        try:
            number = int(stored.strip())
        except ValueError:
            return False
        if self.variant == "crc32":
            return number & 0xFFFFFFFF == self.value
        return number == self.value


@dataclass(frozen=True)
class NgasFile:
    file_id: str
    size: int
    checksum: str
    variant: str  # normalised: crc32, crc32c or crc32z
    version: int = 1


@dataclass(frozen=True)
class NgasStatus:
    status: str  # SUCCESS or FAILURE
    message: str
    state: str
    sub_state: str
    file: NgasFile | None


def parse_status(data: bytes) -> NgasStatus:
    """An NGAS status document; refuses anything else (an HTML error page, a proxy's answer)."""
    root = parse_untrusted_xml(data, "NGAS status document", external_doctype="NgamsStatus")
    status = root.find("Status")
    if root.tag != "NgamsStatus" or status is None:
        raise NgasError(f"expected an NgamsStatus document with a Status element, found <{root.tag}>")
    element = root.find("DiskStatus/FileStatus")
    ngas_file = None
    if element is not None:
        file_id = element.get("FileId", "")
        if not (element.get("Checksum") and element.get("ChecksumPlugIn")):
            raise NgasError(
                f"NGAS holds no checksum for {file_id}: it cannot be verified, so it is not staged"
            )
        try:
            size = int(element.get("FileSize", ""))
            version = int(element.get("FileVersion") or 1)
        except ValueError:
            raise NgasError(f"FileStatus of {file_id!r} has no usable FileSize") from None
        ngas_file = NgasFile(
            file_id=file_id,
            size=size,
            checksum=element.get("Checksum", ""),
            variant=variant_name(element.get("ChecksumPlugIn", "")),
            version=version,
        )
    return NgasStatus(
        status=status.get("Status", ""),
        message=status.get("Message", ""),
        state=status.get("State", ""),
        sub_state=status.get("SubState", ""),
        file=ngas_file,
    )
