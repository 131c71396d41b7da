"""FITS files written as a stream, so a table of any length never has to sit in memory.

Each HDU's header is written first with room for the values known only at the end (row count,
time span, checksums); rows follow in blocks; ``close()`` rewrites every header in place. A
header card is 80 bytes whatever its value, so a rewritten header has the length of the first.

CHECKSUM and DATASUM follow the FITS standard (4.0, appendix J): the 32-bit ones' complement sum
of the HDU, the header's CHECKSUM encoded as 16 characters so that the whole HDU sums to -0.
Computed on the blocks as they are written (numpy, 16-bit halves summed in 64 bits), so checking
costs no second read of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
from astropy.io import fits

BLOCK = 2880
ZERO_CHECKSUM = "0" * 16
# ':;<=>?@' and '[\]^_`' never appear in an encoded checksum.
EXCLUDED = frozenset(range(0x3A, 0x41)) | frozenset(range(0x5B, 0x61))


def fold(high: int, low: int) -> int:
    """Fold the carries of two 16-bit half sums into one 32-bit ones' complement sum."""
    while (high >> 16) or (low >> 16):
        high, low = (high & 0xFFFF) + (low >> 16), (low & 0xFFFF) + (high >> 16)
    return (high << 16) | low


def ones_complement_sum(data, start: int = 0) -> int:
    """The FITS 32-bit ones' complement sum of ``data`` (a whole number of 32-bit words),
    continuing from ``start``."""
    halves = np.frombuffer(data, dtype=">u2")
    high = int(np.add.reduce(halves[0::2], dtype=np.uint64)) + (start >> 16)
    low = int(np.add.reduce(halves[1::2], dtype=np.uint64)) + (start & 0xFFFF)
    return fold(high, low)


def encode_checksum(total: int) -> str:
    """The 16-character CHECKSUM value for an HDU whose sum (with CHECKSUM zeroed) is ``total``."""
    value = ~total & 0xFFFFFFFF
    characters = [0] * 16
    for position in range(4):
        byte = (value >> (24 - 8 * position)) & 0xFF
        quarter, remainder = byte // 4 + 0x30, byte % 4
        group = [quarter + remainder, quarter, quarter, quarter]
        # Shift pairs off punctuation, keeping each pair's sum (so the encoded sum is unchanged).
        while any(c in EXCLUDED for c in group):
            for first in (0, 2):
                if group[first] in EXCLUDED or group[first + 1] in EXCLUDED:
                    group[first] += 1
                    group[first + 1] -= 1
        for index, character in enumerate(group):
            characters[4 * index + position] = character
    text = bytes(characters[-1:] + characters[:-1])  # rotated right by one
    return text.decode("ascii")


def _float_text(value: float) -> str:
    """A float as FITS writes it: at most 20 characters, with a point or an exponent."""
    text = str(float(value)).replace("e", "E")
    if "." not in text and "E" not in text:
        text += ".0"
    if len(text) > 20:
        exponent = text.find("E")
        text = text[:20] if exponent < 0 else text[: 20 - (len(text) - exponent)] + text[exponent:]
    return text


def card_image(key: str, value, comment: str = "") -> str:
    """One header card in the FITS fixed format (a long string goes through astropy's CONTINUE)."""
    if isinstance(value, str) and len(value) > 60:
        return fits.Card(key, value, comment).image
    if isinstance(value, bool | np.bool_):
        text = f"{'T' if value else 'F':>20}"
    elif isinstance(value, int | np.integer):
        text = f"{int(value):>20d}"
    elif isinstance(value, float | np.floating):
        text = f"{_float_text(value):>20}"
    else:
        quoted = "'" + str(value).replace("'", "''").ljust(8) + "'"
        text = f"{quoted:<20}"
    image = f"{key:<8}= {text}" + (f" / {comment}" if comment else "")
    return image[:80].ljust(80)


class Cards:
    """A header as card images: copied and changed for the price of a list, rendered by plain
    string formatting (astropy's Header costs milliseconds per file, which a chunk cannot afford).
    Cards read from a file keep their image as it was."""

    def __init__(self, images: list[str], values: dict, comments: dict):
        self.images, self.values, self.comments = images, values, comments
        self.index = {image[:8].rstrip(): n for n, image in enumerate(images) if image[8:10] == "= "}

    @classmethod
    def from_header(cls, header: fits.Header) -> Cards:
        cards = [card for card in header.cards if card.keyword != "END"]
        values = {
            card.keyword: card.value for card in cards if card.keyword not in ("COMMENT", "HISTORY", "")
        }
        comments = {card.keyword: card.comment for card in cards}
        return cls([card.image for card in cards], values, comments)

    def copy(self) -> Cards:
        return Cards(list(self.images), dict(self.values), dict(self.comments))

    def __getitem__(self, key: str):
        return self.values[key]

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def __setitem__(self, key: str, value) -> None:
        value, comment = value if isinstance(value, tuple) else (value, self.comments.get(key, ""))
        self.values[key], self.comments[key] = value, comment
        image = card_image(key, value, comment)
        if key in self.index:
            self.images[self.index[key]] = image
        else:
            self.index[key] = len(self.images)
            self.images.append(image)

    def discard(self, key: str) -> None:
        if key in self.index:
            del self.images[self.index[key]]
            self.values.pop(key, None)
            self.index = {image[:8].rstrip(): n for n, image in enumerate(self.images) if image[8:10] == "= "}

    def tostring(self) -> str:
        text = "".join(self.images) + "END".ljust(80)
        return text.ljust(-(-len(text) // BLOCK) * BLOCK)


@dataclass
class _Hdu:
    offset: int
    header: Cards
    header_bytes: int
    data_bytes: int = 0
    datasum: int = 0


@dataclass
class FitsStream:
    """Write HDUs one after another: ``begin(header)``, ``write(rows)`` any number of times,
    ``end()``; then ``close(updates)`` with the final keyword values of each HDU (by position)."""

    handle: BinaryIO
    hdus: list[_Hdu] = field(default_factory=list)
    _carry: bytes = b""

    def begin(self, header: Cards | fits.Header) -> int:
        header = header.copy() if isinstance(header, Cards) else Cards.from_header(header)
        header["CHECKSUM"] = (ZERO_CHECKSUM, "HDU checksum")
        header["DATASUM"] = ("0" * 10, "data unit checksum")
        text = header.tostring().encode("ascii")
        self.hdus.append(_Hdu(self.handle.tell(), header, len(text)))
        self.handle.write(text)
        self._carry = b""
        return len(self.hdus) - 1

    def write(self, rows: np.ndarray | bytes) -> None:
        data = rows.tobytes() if isinstance(rows, np.ndarray) else rows
        if not data:
            return
        hdu = self.hdus[-1]
        self.handle.write(data)
        hdu.data_bytes += len(data)
        joined = self._carry + data
        whole = len(joined) - len(joined) % 4
        hdu.datasum = ones_complement_sum(joined[:whole], hdu.datasum)
        self._carry = joined[whole:]

    def end(self) -> None:
        hdu = self.hdus[-1]
        padding = -hdu.data_bytes % BLOCK
        if self._carry:  # the last partial word, completed by the zero padding
            hdu.datasum = ones_complement_sum(self._carry.ljust(4, b"\0"), hdu.datasum)
        self.handle.write(b"\0" * padding)
        self._carry = b""
        if hdu.header.get("XTENSION") == "BINTABLE":
            hdu.header["NAXIS2"] = hdu.data_bytes // hdu.header["NAXIS1"]

    def close(self, updates: dict[int, dict] | None = None) -> None:
        """Rewrite every header with its final values and checksums."""
        end = self.handle.tell()
        for position, hdu in enumerate(self.hdus):
            for key, value in (updates or {}).get(position, {}).items():
                hdu.header[key] = value
            hdu.header["DATASUM"] = str(hdu.datasum)
            hdu.header["CHECKSUM"] = ZERO_CHECKSUM
            total = ones_complement_sum(hdu.header.tostring().encode("ascii"), hdu.datasum)
            hdu.header["CHECKSUM"] = encode_checksum(total)
            text = hdu.header.tostring().encode("ascii")
            if len(text) != hdu.header_bytes:
                grown = f"from {hdu.header_bytes} to {len(text)} bytes"
                raise ValueError(f"header of HDU {position} changed length {grown}")
            self.handle.seek(hdu.offset)
            self.handle.write(text)
        self.handle.seek(end)
        self.handle.flush()


def stamp_checksums(path) -> None:
    """Give a file astropy wrote with ``checksum=True`` the same bytes whenever its content is the
    same: astropy dates the CHECKSUM and DATASUM comments; they are rewritten without the date,
    with the CHECKSUM that matches (the data and DATASUM do not change)."""
    with fits.open(path, memmap=False) as hdus:
        places = [
            (hdus.fileinfo(i)["hdrLoc"], hdus.fileinfo(i)["datLoc"], hdu.header.copy())
            for i, hdu in enumerate(hdus)
        ]
    with open(path, "r+b") as handle:
        for start, data_start, header in places:
            header["DATASUM"] = (str(header["DATASUM"]), "data unit checksum")
            header["CHECKSUM"] = (ZERO_CHECKSUM, "HDU checksum")
            total = ones_complement_sum(header.tostring().encode("ascii"), int(header["DATASUM"]))
            header["CHECKSUM"] = encode_checksum(total)
            text = header.tostring().encode("ascii")
            if len(text) != data_start - start:
                raise ValueError(f"{path}: a header changed length when its checksum was rewritten")
            handle.seek(start)
            handle.write(text)
