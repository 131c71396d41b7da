"""Retrieval-definition (RetDef) files: one per chunk, ``RetDef-<downlink %09d>-<chunk %05d>.xml``
beside the chunk, as HalfPipe reads them (``retdef/run/@l0key`` names a run, ``retdef/arch`` the
level-0 archive). The portal's documents::

    <retdef downlink="230401001" chunk="3" created="2023-04-01T10:14:03Z">
      <arch>level0/230401001</arch>
      <run l0key="545208791"/>              one per run the chunk carries (start MET, decimal)
      <chunk file="230401001-00003.chunk" start="545290000.0" stop="545296000.0"
             sha256="..."/>                 the raw chunk, the MET span it covers, its checksum
    </retdef>

They arrive from outside and are parsed as untrusted: no DTD, no entities, no network.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lxml import etree

from l2portal.xmlsafe import UnsafeXMLError, parse_untrusted_xml

NAME = re.compile(r"^RetDef-(\d{9})-(\d{5})\.xml$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PLAIN_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


class RetDefError(ValueError):
    """The RetDef document is unusable; the message names the file and the problem."""


@dataclass(frozen=True)
class RetDef:
    downlink_id: int
    chunk: int
    created: dt.datetime  # UTC
    archive: str
    runs: tuple[int, ...]
    chunk_file: str
    start: float
    stop: float
    sha256: str  # "" when the document does not give one


def retdef_name(downlink_id: int, chunk: int) -> str:
    return f"RetDef-{downlink_id:09d}-{chunk:05d}.xml"


def chunk_name(downlink_id: int, chunk: int) -> str:
    return f"{downlink_id:09d}-{chunk:05d}.chunk"


def _hardened_root(data: bytes, what: str) -> etree._Element:
    try:
        return parse_untrusted_xml(data, what)
    except UnsafeXMLError as error:
        raise RetDefError(str(error)) from error


def _number(element, attribute: str, kind, what: str):
    text = element.get(attribute)
    if text is None:
        raise RetDefError(f"{what}: <{element.tag}> has no {attribute} attribute")
    try:
        return kind(text)
    except ValueError as error:
        raise RetDefError(f"{what}: <{element.tag} {attribute}={text!r}> is not a number") from error


def parse_retdef(data: bytes, what: str) -> RetDef:
    root = _hardened_root(data, what)
    if root.tag != "retdef":
        raise RetDefError(f"{what}: the root element is <{root.tag}>, expected <retdef>")
    downlink_id, chunk = _number(root, "downlink", int, what), _number(root, "chunk", int, what)
    try:
        created = dt.datetime.fromisoformat(root.get("created", "").replace("Z", "+00:00"))
    except ValueError as error:
        raise RetDefError(f"{what}: created={root.get('created')!r} is not an ISO 8601 time") from error
    if created.tzinfo is None:
        raise RetDefError(f"{what}: created={root.get('created')!r} has no time zone; write it in UTC (Z)")
    runs = tuple(_number(run, "l0key", int, what) for run in root.findall("run"))
    if not runs or min(runs) <= 0:
        raise RetDefError(f"{what}: no <run l0key=...> with a positive run start")
    element = root.find("chunk")
    if element is None:
        raise RetDefError(f"{what}: no <chunk file=... start=... stop=...> element")
    chunk_file = element.get("file", "")
    if not PLAIN_NAME.match(chunk_file):
        raise RetDefError(f"{what}: chunk file {chunk_file!r} must be a plain file name beside the RetDef")
    start, stop = _number(element, "start", float, what), _number(element, "stop", float, what)
    if not stop > start:
        raise RetDefError(f"{what}: chunk span stop {stop} is not after start {start}")
    sha256 = element.get("sha256", "").lower()
    if sha256 and not SHA256.match(sha256):
        raise RetDefError(f"{what}: sha256 {sha256!r} is not 64 hexadecimal digits")
    return RetDef(
        downlink_id,
        chunk,
        created.astimezone(dt.UTC),
        (root.findtext("arch") or "").strip(),
        tuple(sorted(set(runs))),
        chunk_file,
        start,
        stop,
        sha256,
    )


def write_retdef(retdef: RetDef) -> bytes:
    root = etree.Element(
        "retdef",
        downlink=str(retdef.downlink_id),
        chunk=str(retdef.chunk),
        created=retdef.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    etree.SubElement(root, "arch").text = retdef.archive
    for run in retdef.runs:
        etree.SubElement(root, "run", l0key=str(run))
    attributes = {"file": retdef.chunk_file, "start": repr(retdef.start), "stop": repr(retdef.stop)}
    if retdef.sha256:
        attributes["sha256"] = retdef.sha256
    etree.SubElement(root, "chunk", **attributes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
