"""The portal's raw chunk format, and its built-in decoder.

A site whose chunks come in another format configures its own decoder command
(PIPELINES_DECODER_COMMAND); this format lets the whole chain run here (simulated downlinks, tests,
demo). All numbers are big-endian.

Header, 32 bytes::

    offset  type  field
     0      4s    magic b"L2RC"
     4      u2    format version (1)
     6      u2    record size in bytes (48)
     8      u4    downlink id
    12      u4    chunk number (1-based)
    16      u4    number of records
    20      u4    CRC-32 (zlib) of all the record bytes
    24      8x    reserved, zero

Records, 48 bytes each, in the order they were downlinked (a retransmitted record appears again,
byte for byte)::

     0  f8  TIME          MET, s
     8  u4  EVENT_ID      event sequence number within its run (< 2**31, FT1 J)
    12  u4  RUN_ID        the run: its start in MET seconds
    16  f4  ENERGY        MeV
    20  f4  RA            deg (J2000)
    24  f4  DEC           deg (J2000)
    28  f4  THETA         deg, instrument frame
    32  f4  PHI           deg, instrument frame
    36  u4  EVENT_CLASS   class bits (FT1 EVENT_CLASS, bit n = 1 << n)
    40  u4  EVENT_TYPE    type bits (FT1 EVENT_TYPE)
    44  u2  FLAGS         bit 0: back-converting (FT1 CONVERSION_TYPE 1)
    46  2x  reserved, zero
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from .eventfile import FT1_DTYPE

MAGIC = b"L2RC"
VERSION = 1
HEADER = struct.Struct(">4sHHIIII8x")
RECORD_DTYPE = np.dtype(
    [
        ("TIME", ">f8"),
        ("EVENT_ID", ">u4"),
        ("RUN_ID", ">u4"),
        ("ENERGY", ">f4"),
        ("RA", ">f4"),
        ("DEC", ">f4"),
        ("THETA", ">f4"),
        ("PHI", ">f4"),
        ("EVENT_CLASS", ">u4"),
        ("EVENT_TYPE", ">u4"),
        ("FLAGS", ">u2"),
        ("RESERVED", ">u2"),
    ]
)
BACK_CONVERTING = 1
MAX_EVENT_ID = 2**31 - 1


class RawChunkError(ValueError):
    """The chunk cannot be decoded; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class RawChunk:
    downlink_id: int
    chunk: int
    records: np.ndarray  # RECORD_DTYPE


def encode(downlink_id: int, chunk: int, records: np.ndarray) -> bytes:
    body = np.ascontiguousarray(records, dtype=RECORD_DTYPE).tobytes()
    size, crc = RECORD_DTYPE.itemsize, zlib.crc32(body)
    header = HEADER.pack(MAGIC, VERSION, size, downlink_id, chunk, len(records), crc)
    return header + body


def decode(raw: bytes, what: str) -> RawChunk:
    """Parse and check a chunk (size, CRC, event ids); ``what`` names it in errors."""
    if len(raw) < HEADER.size:
        raise RawChunkError(f"{what} is {len(raw)} bytes, shorter than the {HEADER.size}-byte header")
    magic, version, size, downlink_id, chunk, count, crc = HEADER.unpack_from(raw)
    if magic != MAGIC or version != VERSION or size != RECORD_DTYPE.itemsize:
        raise RawChunkError(
            f"{what} is not a version-{VERSION} raw chunk (magic {magic!r}, version {version}, "
            f"record size {size}); configure PIPELINES_DECODER_COMMAND for other formats"
        )
    body = memoryview(raw)[HEADER.size :]
    if len(body) != count * size:
        raise RawChunkError(
            f"{what} holds {len(body)} record bytes, its header announces {count} records of {size}: "
            "the file is truncated or padded; fetch it again, then retry the chunk"
        )
    if zlib.crc32(body) != crc:
        raise RawChunkError(
            f"{what} is corrupt: CRC-32 of its records is {zlib.crc32(body):08x}, the header says "
            f"{crc:08x}; fetch the chunk again, then retry it"
        )
    records = np.frombuffer(body, dtype=RECORD_DTYPE)
    if len(records) and int(records["EVENT_ID"].max()) > MAX_EVENT_ID:
        raise RawChunkError(f"{what}: an EVENT_ID exceeds {MAX_EVENT_ID}, the FT1 limit")
    if not np.isfinite(records["TIME"]).all():
        raise RawChunkError(f"{what}: a record has a TIME that is not a finite number")
    return RawChunk(downlink_id, chunk, records)


def to_ft1(records: np.ndarray) -> np.ndarray:
    """Records as FT1 rows (FT1_DTYPE)."""
    rows = np.empty(len(records), dtype=FT1_DTYPE)
    for name in ("ENERGY", "RA", "DEC", "THETA", "PHI", "TIME", "EVENT_ID", "RUN_ID"):
        rows[name] = records[name]
    rows["EVENT_CLASS"] = records["EVENT_CLASS"]
    rows["EVENT_TYPE"] = records["EVENT_TYPE"]
    rows["CONVERSION_TYPE"] = records["FLAGS"] & BACK_CONVERTING
    return rows
