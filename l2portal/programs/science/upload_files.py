"""Uploaded result files onto disk, with their size limits checked before any decompression.

A form upload is copied to disk in blocks and refused as soon as it passes its limit. A
gzip-compressed FITS file is judged first by what it says of itself (the data size its primary
header announces, read from the first decompressed blocks only, and the size in the gzip trailer),
then expanded in blocks that stop at the limit: a file that unpacks to gigabytes costs a few
kilobytes of work before it is refused, not its whole size.

Pure Python + astropy (no Django).
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from astropy.io import fits

from l2portal.files import CHUNK

GZIP_MAGIC = b"\x1f\x8b"
FITS_BLOCK = 2880
MAX_HEADER_BLOCKS = 100  # a primary header longer than this is not an inversion result


class UploadTooLarge(ValueError):
    """The file (or what it unpacks to) is over its limit; nothing of it is kept."""


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def save_limited(source: BinaryIO, destination: Path, max_bytes: int, label: str) -> int:
    """Copy ``source`` to ``destination`` in blocks; raise UploadTooLarge (removing what was
    written) as soon as it passes ``max_bytes``. Returns the size written."""
    written = 0
    try:
        with open(destination, "wb") as out:
            while block := source.read(CHUNK):
                written += len(block)
                if written > max_bytes:
                    raise UploadTooLarge(
                        f"{label}: larger than the {_megabytes(max_bytes)} a form upload may be; "
                        "send large results with Globus"
                    )
                out.write(block)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return written


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _gzip_trailer_size(path: Path) -> int:
    """The uncompressed size the last gzip member records (modulo 2**32: a hint, not a proof)."""
    with open(path, "rb") as handle:
        handle.seek(-4, os.SEEK_END)
        return struct.unpack("<I", handle.read(4))[0]


def _announced_size(path: Path, label: str) -> int:
    """Header plus data bytes the primary HDU of a gzip-compressed FITS file announces, read from
    its first decompressed blocks."""
    with gzip.open(path, "rb") as stream:
        head = b""
        while not head or not any(
            head[i : i + 8] == b"END     " for i in range(len(head) - FITS_BLOCK, len(head), 80)
        ):
            block = stream.read(FITS_BLOCK)
            if len(block) < FITS_BLOCK or len(head) >= MAX_HEADER_BLOCKS * FITS_BLOCK:
                raise ValueError(f"{label}: the compressed file does not start with a FITS header")
            head += block
    try:
        header = fits.Header.fromfile(io.BytesIO(head))
    except (OSError, ValueError) as error:
        raise ValueError(
            f"{label}: the compressed file does not start with a FITS header ({error})"
        ) from None
    elements = 1
    for axis in range(1, int(header.get("NAXIS", 0)) + 1):
        elements *= int(header.get(f"NAXIS{axis}", 0))
    data = abs(int(header.get("BITPIX", 8))) // 8 * elements if header.get("NAXIS", 0) else 0
    return len(head) + data


def expand_if_compressed(path: Path, max_bytes: int, label: str) -> Path:
    """``path`` itself if it is not gzip-compressed, else the FITS file it unpacks to (beside it,
    ``.fits``; the compressed file is removed). Refuses, before decompressing more than the
    header, a file whose header or gzip trailer announces more than ``max_bytes``, and stops
    decompressing as soon as the output passes ``max_bytes`` (raising UploadTooLarge)."""
    if not is_gzip(path):
        return path
    too_large = f"{label}: unpacks to more than the {_megabytes(max_bytes)} a form upload may be; "
    try:
        announced = _announced_size(path, label)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{label}: not a readable gzip file ({error})") from None
    if announced > max_bytes:
        raise UploadTooLarge(too_large + f"its header announces {_megabytes(announced)}")
    if _gzip_trailer_size(path) > max_bytes:
        raise UploadTooLarge(too_large + f"its gzip trailer says {_megabytes(_gzip_trailer_size(path))}")
    expanded = path.with_name(path.name.removesuffix(".gz") + ".expanded.fits")
    try:
        with gzip.open(path, "rb") as stream, open(expanded, "wb") as out:
            written = 0
            while block := stream.read(CHUNK):
                written += len(block)
                if written > max_bytes:
                    raise UploadTooLarge(too_large + "decompression was stopped there")
                out.write(block)
    except (OSError, EOFError, zlib.error) as error:
        expanded.unlink(missing_ok=True)
        raise ValueError(f"{label}: not a readable gzip file ({error})") from None
    except BaseException:
        expanded.unlink(missing_ok=True)
        raise
    path.unlink()
    return expanded


def move_into(source: Path, destination: Path) -> None:
    """Put ``source`` at ``destination`` (a temporary path of ``atomic_output``): a rename on the
    same file system, else a copy."""
    try:
        os.replace(source, destination)
    except OSError:
        shutil.copyfile(source, destination)
