"""EB to session mapping from the OUSStatus XML, cross-checked against AQUA. Like all XML the
restore reads (OUSStatus, pipeline manifest, PPR, NGAS status), it is parsed as untrusted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from l2portal.xmlsafe import parse_untrusted_xml

OUSS_NS = "Alma/Scheduling/OUSStatus"
PS_NS = "Alma/Scheduling/ProjectStatus"
VAL_NS = "Alma/ValueTypes"
NAMESPACES = {"ouss": OUSS_NS, "ps": PS_NS, "val": VAL_NS}


class OusStatusError(ValueError):
    """The OUSStatus document is not one a restore can be planned from."""


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
    session_times: tuple[tuple[str, str], ...] = ()  # (StartTime, EndTime) of each session


def _attribute(root: etree._Element, path: str, name: str) -> str:
    element = root.find(path, NAMESPACES)
    return "" if element is None else element.get(name, "")


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path, NAMESPACES)
    return "" if found is None or found.text is None else found.text.strip()


def _session_ebs(session: etree._Element, number: int) -> tuple[str, ...]:
    ebs = []
    for eb in session.iterfind("ouss:ExecBlockRef/val:ExecBlockId", NAMESPACES):
        if not (eb.text or "").strip():
            raise OusStatusError(
                f"OUSStatus session {number} has an empty ExecBlockId: the archive's status document is "
                "incomplete, so its EBs cannot be restored; ask the archive to repair it"
            )
        ebs.append(eb.text.strip())
    return tuple(ebs)


def parse_ous_status(data: bytes | str) -> OusStatus:
    root = parse_untrusted_xml(data, "OUSStatus XML")
    if root.tag != f"{{{OUSS_NS}}}OUSStatus":
        raise OusStatusError(f"expected an ouss:OUSStatus document, found <{root.tag}>")
    session_elements = list(root.iterfind("ouss:Session", NAMESPACES))
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
        sessions=tuple(_session_ebs(session, n) for n, session in enumerate(session_elements, 1)),
        session_times=tuple(
            (_text(session, "ouss:StartTime"), _text(session, "ouss:EndTime")) for session in session_elements
        ),
    )


@dataclass(frozen=True)
class AquaExecBlock:
    """One AQUA_EXECBLOCK row: the EB's SB, QA0 status and when it ran."""

    eb_uid: str
    sched_block_uid: str | None
    qa0_status: str
    start: datetime | None
    end: datetime | None


def archive_time(value: datetime | str | None) -> datetime | None:
    """A time from the archive: a datetime (Oracle) or its text (the OUSStatus XML, SQLite)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def cross_check_sessions(
    status: OusStatus, aqua_rows: Sequence[AquaExecBlock], sched_block_uid: str
) -> list[str]:
    """Disagreements between the OUSStatus sessions and AQUA, as human-readable warnings: EBs only
    one of them knows, EBs that ran outside their session's time span or under another SB, and
    sessions out of time order."""
    warnings = []
    aqua_by_eb = {row.eb_uid: row for row in aqua_rows}
    xml_ebs = [eb for session in status.sessions for eb in session]
    for eb in xml_ebs:
        if eb not in aqua_by_eb:
            warnings.append(f"{eb} is in the OUSStatus XML but has no AQUA_EXECBLOCK row")
    for eb in sorted(aqua_by_eb.keys() - set(xml_ebs)):
        warnings.append(f"{eb} has an AQUA_EXECBLOCK row but is in no OUSStatus session")
    times = [(archive_time(start), archive_time(end)) for start, end in status.session_times]
    for number, (ebs, (start, end)) in enumerate(zip(status.sessions, times, strict=False), 1):
        for eb in ebs:
            row = aqua_by_eb.get(eb)
            if row is None:
                continue
            if row.sched_block_uid and row.sched_block_uid != sched_block_uid:
                warnings.append(f"{eb} ran under SB {row.sched_block_uid}, not {sched_block_uid}")
            if start and end and row.start and row.end and not (start <= row.start and row.end <= end):
                warnings.append(
                    f"{eb} ran {row.start:%Y-%m-%d %H:%M:%S} to {row.end:%H:%M:%S} (AQUA), outside "
                    f"OUSStatus session_{number} ({start:%Y-%m-%d %H:%M:%S} to {end:%H:%M:%S})"
                )
    starts = [start for start, _ in times if start]
    if starts != sorted(starts):
        warnings.append(
            "the OUSStatus sessions are not in time order: their numbers may not be the pipeline's"
        )
    return warnings
