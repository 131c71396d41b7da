"""EB to session mapping from the OUSStatus XML, cross-checked against AQUA.

Also home of the one safe XML parser that every restore module uses: all XML here (OUSStatus,
pipeline manifest, PPR) comes from the archive or from disk and is treated as untrusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

OUSS_NS = "Alma/Scheduling/OUSStatus"
PS_NS = "Alma/Scheduling/ProjectStatus"
VAL_NS = "Alma/ValueTypes"
NAMESPACES = {"ouss": OUSS_NS, "ps": PS_NS, "val": VAL_NS}


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


def parse_untrusted_xml(data: bytes | str, what: str = "XML document") -> etree._Element:
    """Parse ``data`` without expanding entities, loading DTDs or touching the network.

    Documents that declare a DTD are rejected outright: none of the ALMA documents we read has one,
    and an inline DTD is how entity expansion (billion laughs) and external entities are smuggled in.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    refusal = f"{what} declares a DTD (<!DOCTYPE>/<!ENTITY>); entity declarations are rejected"
    # Checked before parsing too, so an entity libxml2 refuses still gets this message.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXMLError(refusal)
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as error:
        raise UnsafeXMLError(f"{what} is not well-formed XML: {error}") from error
    # Other encodings (UTF-16) slip past the byte check; the parsed document cannot.
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype or docinfo.system_url:
        raise UnsafeXMLError(refusal)
    return root


@dataclass(frozen=True)
class OusStatus:
    """What the restore needs from an OUSStatus document."""

    ous_status_uid: str
    containing_ous_status_uid: str
    project_status_uid: str
    obs_unit_set_uid: str
    obs_unit_set_part_id: str
    sb_status_uids: tuple[str, ...]
    sessions: tuple[tuple[str, ...], ...]  # EB uids of each ouss:Session, in document order


def _attribute(root: etree._Element, path: str, name: str) -> str:
    element = root.find(path, NAMESPACES)
    return "" if element is None else element.get(name, "")


def parse_ous_status(data: bytes | str) -> OusStatus:
    root = parse_untrusted_xml(data, "OUSStatus XML")
    if root.tag != f"{{{OUSS_NS}}}OUSStatus":
        raise ValueError(f"expected an ouss:OUSStatus document, found <{root.tag}>")
    sessions = tuple(
        tuple(eb.text.strip() for eb in session.iterfind("ouss:ExecBlockRef/val:ExecBlockId", NAMESPACES))
        for session in root.iterfind("ouss:Session", NAMESPACES)
    )
    sb_status_uids = tuple(
        dict.fromkeys(ref.get("entityId", "") for ref in root.iterfind(".//ouss:SBStatusRef", NAMESPACES))
    )
    return OusStatus(
        ous_status_uid=_attribute(root, "ouss:OUSStatusEntity", "entityId"),
        containing_ous_status_uid=_attribute(root, "ps:ContainingObsUnitSetRef", "entityId"),
        project_status_uid=_attribute(root, "ps:ProjectStatusRef", "entityId"),
        obs_unit_set_uid=_attribute(root, "ouss:ObsUnitSetRef", "entityId"),
        obs_unit_set_part_id=_attribute(root, "ouss:ObsUnitSetRef", "partId"),
        sb_status_uids=sb_status_uids,
        sessions=sessions,
    )


@dataclass(frozen=True)
class AquaExecBlock:
    """One AQUA_EXECBLOCK row joined with its AQUA_SESSION end time."""

    eb_uid: str
    session_id: str | None
    qa0_status: str
    session_end: str | None


def sessions_from_aqua(rows: Sequence[AquaExecBlock]) -> list[tuple[str, ...]]:
    """Group EBs by AQUA session, sessions ordered by end time (the OUSStatus numbering)."""
    by_session: dict[str, list[AquaExecBlock]] = {}
    for row in rows:
        if row.session_id is not None:
            by_session.setdefault(row.session_id, []).append(row)
    ordered = sorted(by_session.values(), key=lambda ebs: max(eb.session_end or "" for eb in ebs))
    return [tuple(sorted(eb.eb_uid for eb in ebs)) for ebs in ordered]


def cross_check_sessions(
    xml_sessions: Sequence[Sequence[str]], aqua_rows: Sequence[AquaExecBlock]
) -> list[str]:
    """Disagreements between the OUSStatus sessions and AQUA's, as human-readable warnings."""
    warnings = []
    aqua_by_eb = {row.eb_uid: row for row in aqua_rows}
    xml_ebs = [eb for session in xml_sessions for eb in session]
    for eb in xml_ebs:
        if eb not in aqua_by_eb:
            warnings.append(f"{eb} is in the OUSStatus XML but has no AQUA_EXECBLOCK row")
        elif aqua_by_eb[eb].session_id is None:
            warnings.append(f"{eb} has no AQUA session")
    for eb in aqua_by_eb.keys() - set(xml_ebs):
        warnings.append(f"{eb} has an AQUA_EXECBLOCK row but is in no OUSStatus session")

    aqua_sessions = sessions_from_aqua(aqua_rows)
    if len(aqua_sessions) != len(xml_sessions):
        warnings.append(f"OUSStatus XML has {len(xml_sessions)} session(s), AQUA has {len(aqua_sessions)}")
    for number, (xml_session, aqua_session) in enumerate(zip(xml_sessions, aqua_sessions, strict=False), 1):
        if sorted(xml_session) != list(aqua_session):
            warnings.append(
                f"session_{number}: OUSStatus XML has {' | '.join(xml_session) or 'no EB'}, "
                f"AQUA (by session end time) has {' | '.join(aqua_session) or 'no EB'}"
            )
    return warnings
