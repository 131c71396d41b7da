"""Reader for fitsGen-style FITS templates (``.tpl``) and a builder of HDUs from them.

A template is a list of header cards ``KEYWORD = value / comment``, one HDU after another, each
closed by ``END``; lines starting with ``#`` are comments. Binary-table HDUs define their columns
with ``TTYPEn``/``TFORMn``/``TUNITn``/``TLMINn``/``TLMAXn``. A keyword whose value is left empty
must be filled in by the writer; a keyword with a value is written as it stands. Structural
keywords (sizes, checksums) are left to astropy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from astropy.io import fits

Value = str | bool | int | float | None

COLUMN_KEYWORD = re.compile(r"^(TTYPE|TFORM|TUNIT|TLMIN|TLMAX)(\d+)$")
# Written by astropy from the data itself, never from the template.
STRUCTURAL = {
    "SIMPLE",
    "BITPIX",
    "NAXIS",
    "NAXIS1",
    "NAXIS2",
    "EXTEND",
    "XTENSION",
    "PCOUNT",
    "GCOUNT",
    "TFIELDS",
}
CHECKSUM_KEYWORDS = {"CHECKSUM", "DATASUM"}
INTEGER = re.compile(r"^[+-]?\d+$")
FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([EeDd][+-]?\d+)?$")
TFORM = re.compile(r"^(\d*)([LXBIJKAEDCMPQ])$")
DTYPES = {
    "L": np.bool_,
    "B": np.uint8,
    "I": np.int16,
    "J": np.int32,
    "K": np.int64,
    "E": np.float32,
    "D": np.float64,
}


class TemplateError(ValueError):
    """The template is malformed, or the values given do not match it."""


@dataclass(frozen=True)
class Keyword:
    name: str
    value: Value  # None: the writer must supply it
    comment: str
    text: str = ""  # the value as written in the template


@dataclass(frozen=True)
class ColumnDef:
    name: str
    tform: str
    unit: str | None
    comment: str
    tlmin: float | int | None
    tlmax: float | int | None
    keyword_comments: tuple[tuple[str, str], ...] = ()  # ("TFORM", comment), ("TUNIT", ...), ...

    @property
    def dtype(self) -> type:
        return DTYPES[TFORM.match(self.tform).group(2)]

    @property
    def repeat(self) -> int:
        return int(TFORM.match(self.tform).group(1) or 1)

    def empty(self, rows: int) -> np.ndarray:
        shape = (rows,) if self.repeat == 1 else (rows, self.repeat)
        return np.zeros(shape, dtype=self.dtype)


@dataclass(frozen=True)
class HduTemplate:
    keywords: tuple[Keyword, ...]
    columns: tuple[ColumnDef, ...]

    @property
    def extname(self) -> str | None:
        return next((k.value for k in self.keywords if k.name == "EXTNAME"), None)

    def column(self, name: str) -> ColumnDef:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        """Keywords the writer must supply a value for."""
        return [
            k.name for k in self.keywords if k.value is None and k.name not in STRUCTURAL | CHECKSUM_KEYWORDS
        ]


@dataclass(frozen=True)
class FitsTemplate:
    hdus: tuple[HduTemplate, ...]

    @property
    def primary(self) -> HduTemplate:
        return self.hdus[0]

    def table(self, extname: str) -> HduTemplate:
        for hdu in self.hdus[1:]:
            if hdu.extname == extname:
                return hdu
        raise KeyError(extname)


def parse_value(text: str) -> Value:
    text = text.strip()
    if not text:
        return None
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise TemplateError(f"unterminated string value: {text}")
        return text[1:-1].replace("''", "'").rstrip()
    if text in ("T", "F"):
        return text == "T"
    if INTEGER.match(text):
        return int(text)
    if FLOAT.match(text):
        return float(text.replace("D", "E").replace("d", "e"))
    raise TemplateError(f"cannot read value {text!r}")


def _split_card(line: str) -> tuple[str, str, str]:
    """KEYWORD = value / comment, where a quoted value may itself contain a slash."""
    name, _, rest = line.partition("=")
    rest = rest.strip()
    if rest.startswith("'"):
        end = 1
        while True:
            end = rest.find("'", end)
            if end < 0:
                raise TemplateError(f"unterminated string in: {line}")
            if rest[end + 1 : end + 2] == "'":
                end += 2
                continue
            break
        value, remainder = rest[: end + 1], rest[end + 1 :]
    else:
        value, slash, comment = rest.partition("/")
        remainder = slash + comment
    return name.strip().upper(), value, remainder.strip().removeprefix("/").strip()


def _columns(keywords: list[Keyword]) -> tuple[ColumnDef, ...]:
    fields: dict[int, dict[str, Keyword]] = {}
    for keyword in keywords:
        match = COLUMN_KEYWORD.match(keyword.name)
        if match:
            fields.setdefault(int(match.group(2)), {})[match.group(1)] = keyword
    if sorted(fields) != list(range(1, len(fields) + 1)):
        raise TemplateError(f"column numbers are not 1..n: {sorted(fields)}")
    columns = []
    for number in sorted(fields):
        parts = fields[number]
        if "TTYPE" not in parts or "TFORM" not in parts:
            raise TemplateError(f"column {number} lacks TTYPE or TFORM")
        tform = str(parts["TFORM"].value)
        if not TFORM.match(tform) or TFORM.match(tform).group(2) not in DTYPES:
            raise TemplateError(f"unsupported TFORM{number} = {tform!r}")
        columns.append(
            ColumnDef(
                name=str(parts["TTYPE"].value),
                tform=tform,
                unit=parts["TUNIT"].value if "TUNIT" in parts else None,
                comment=parts["TTYPE"].comment,
                tlmin=parts["TLMIN"].value if "TLMIN" in parts else None,
                tlmax=parts["TLMAX"].value if "TLMAX" in parts else None,
                keyword_comments=tuple((prefix, keyword.comment) for prefix, keyword in parts.items()),
            )
        )
    return tuple(columns)


def load_template(path: str | os.PathLike) -> FitsTemplate:
    hdus: list[HduTemplate] = []
    current: list[Keyword] = []
    with open(path, encoding="ascii") as handle:
        for number, raw_line in enumerate(handle, start=1):
            line = raw_line.strip()
            if not line or line.startswith("#"):
                continue
            if line == "END":
                hdus.append(_hdu(current))
                current = []
                continue
            if "=" not in line:
                raise TemplateError(f"{path}:{number}: not a KEYWORD = value card: {line}")
            name, value, comment = _split_card(line)
            try:
                current.append(Keyword(name, parse_value(value), comment, value.strip()))
            except TemplateError as error:
                raise TemplateError(f"{path}:{number}: {error}") from None
    if current:
        raise TemplateError(f"{path}: last HDU is not closed by END")
    if not hdus:
        raise TemplateError(f"{path}: no HDU defined")
    return FitsTemplate(tuple(hdus))


def _hdu(keywords: list[Keyword]) -> HduTemplate:
    header_keywords = tuple(k for k in keywords if not COLUMN_KEYWORD.match(k.name))
    return HduTemplate(header_keywords, _columns(keywords))


def fill_header(header: fits.Header, template: HduTemplate, values: Mapping[str, Value]) -> None:
    """Add the template's keywords to ``header`` in template order, filling the empty ones."""
    known = {k.name for k in template.keywords}
    unknown = set(values) - known
    if unknown:
        raise TemplateError(f"keywords not in the template: {sorted(unknown)}")
    missing = [name for name in template.required if values.get(name) is None]
    if missing:
        raise TemplateError(f"no value given for template keywords: {missing}")
    for keyword in template.keywords:
        if keyword.name in STRUCTURAL | CHECKSUM_KEYWORDS:
            continue
        if isinstance(keyword.value, float):
            # Keep the template's digits: astropy's own float format would drop some (MJDREFF).
            text = keyword.text.replace("D", "E").replace("d", "e")
            header.append(fits.Card.fromstring(f"{keyword.name:<8}= {text:>20} / {keyword.comment}"))
        else:
            value = values[keyword.name] if keyword.value is None else keyword.value
            header[keyword.name] = (value, keyword.comment)


def build_table_hdu(
    template: HduTemplate, data: Mapping[str, np.ndarray], values: Mapping[str, Value]
) -> fits.BinTableHDU:
    """A binary table with exactly the template's columns, formats, units and limits."""
    names = [column.name for column in template.columns]
    if set(data) != set(names):
        raise TemplateError(
            f"columns differ from the template: missing {sorted(set(names) - set(data))}, "
            f"extra {sorted(set(data) - set(names))}"
        )
    columns = [
        fits.Column(
            name=column.name,
            format=column.tform,
            unit=column.unit,
            array=np.asarray(data[column.name], dtype=column.dtype),
        )
        for column in template.columns
    ]
    hdu = fits.BinTableHDU.from_columns(columns)
    for number, column in enumerate(template.columns, start=1):
        comments = dict(column.keyword_comments)
        last = f"TUNIT{number}" if column.unit else f"TFORM{number}"
        for prefix, limit in (("TLMAX", column.tlmax), ("TLMIN", column.tlmin)):
            if limit is not None:
                hdu.header.insert(last, (f"{prefix}{number}", limit), after=True)
        for prefix, comment in comments.items():
            hdu.header.comments[f"{prefix}{number}"] = comment
    fill_header(hdu.header, template, values)
    return hdu


def build_primary_hdu(template: HduTemplate, values: Mapping[str, Value]) -> fits.PrimaryHDU:
    hdu = fits.PrimaryHDU()
    fill_header(hdu.header, template, values)
    return hdu
