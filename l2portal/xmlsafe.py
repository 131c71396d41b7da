"""The one parser for XML from outside (archives, data centres, files on disk): no entity
expansion, no DTD loading, no network, no huge trees. Every domain's XML goes through it."""

from __future__ import annotations

import re

from lxml import etree

# A DOCTYPE naming an external DTD only (NGAS status documents carry one); it is never loaded.
EXTERNAL_DOCTYPE = re.compile(rb'<!DOCTYPE\s+([A-Za-z_][\w.-]*)\s+SYSTEM\s+"[^"<>\[\]]*"\s*>')


class UnsafeXMLError(ValueError):
    """The document is not well-formed or uses DTD features (entities) that we never accept."""


def _safe_parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe and Celery workers may use threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
    )


def parse_untrusted_xml(
    data: bytes | str, what: str = "XML document", *, external_doctype: str | None = None
) -> etree._Element:
    """Parse ``data`` without expanding entities, loading DTDs or touching the network.

    Documents that declare a DTD are rejected outright: none of the ALMA documents we read has one,
    and an inline DTD is how entity expansion (billion laughs) and external entities are smuggled in.
    ``external_doctype`` names a root element whose documents may carry a bare
    ``<!DOCTYPE root SYSTEM "...">`` (NGAS status documents do); that DTD is not read either.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    refusal = f"{what} declares a DTD (<!DOCTYPE>/<!ENTITY>); entity declarations are rejected"
    declared = EXTERNAL_DOCTYPE.findall(data)
    tolerated = external_doctype is not None and declared == [external_doctype.encode()]
    # Checked before parsing too, so an entity libxml2 refuses still gets this message.
    if b"<!ENTITY" in data or (b"<!DOCTYPE" in data and not tolerated):
        raise UnsafeXMLError(refusal)
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as error:
        raise UnsafeXMLError(f"{what} is not well-formed XML: {error}") from error
    # Other encodings (UTF-16) slip past the byte check; the parsed document cannot.
    docinfo = root.getroottree().docinfo
    internal = docinfo.internalDTD
    declares = internal is not None and (any(internal.iterelements()) or any(internal.iterentities()))
    if declares or ((internal is not None or docinfo.doctype or docinfo.system_url) and not tolerated):
        raise UnsafeXMLError(refusal)
    return root
