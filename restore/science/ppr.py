"""Build the pipeline processing request (PPR) and read it back the way the ALMA pipeline does.

The reader follows pipeline/infrastructure/executeppr.py: only the first ProcessingRequest and the
first SchedBlockSet count; sessions come from the SESSION_1, SESSION_2, ... intents, read until the
first missing number, each value listing EBs separated by " | " with ':' and '/' turned into '_';
an ASDM named by no SESSION_n silently becomes session_1; working and raw data live in
``$SCIPIPE_ROOTDIR/<RelativePath>/working`` and ``/rawdata``. Validating a PPR means reading it back
by those rules and comparing the result with the pipeline manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from l2portal.xmlsafe import parse_untrusted_xml
from restore.science.archive import MousMetadata
from restore.science.layout import disk_name
from restore.science.manifest import PipelineManifest, strip_ms_suffix
from restore.science.pipeline_tasks import is_pipeline_task, not_a_pipeline_task
from restore.science.plan import RestorePlan
from restore.science.restorescript import parameter_value

# The namespace declarations of the PPRs the ALMA pipeline is given (as in the PPRs of NRAO's notes on
# MOUS-level ALMA restores).
PPR_NSMAP = {
    "ent": "Alma/CommonEntity",
    "val": "Alma/ValueTypes",
    "prp": "Alma/ObsPrep/ObsProposal",
    "orv": "Alma/ObsPrep/ObsReview",
    "ps": "Alma/ObsPrep/ProjectStatus",
    "oat": "Alma/ObsPrep/ObsAttachment",
    "prj": "Alma/ObsPrep/ObsProject",
    "sbl": "Alma/ObsPrep/SchedBlock",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SESSION_SEPARATOR = " | "
SESSION_KEYWORD = re.compile(r"SESSION_[0-9]+")


class PprError(ValueError):
    """The PPR cannot be read by the pipeline's rules or does not match the pipeline manifest."""


def _add(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def build_ppr(
    plan: RestorePlan,
    *,
    root_directory: str,
    creation_time: datetime,
    operator: str = "Undefined",
    processing_site: str = "Undefined",
) -> bytes:
    """The PPR of ``plan``. Refuses a procedure naming anything but pipeline tasks: executeppr
    would stop at it with an errorexit."""
    unknown = [not_a_pipeline_task(call.name) for call in plan.procedure if not is_pipeline_task(call.name)]
    if unknown:
        raise PprError(f"a PPR can name pipeline tasks only: {'; '.join(unknown)}")
    root = etree.Element("SciPipeRequest", {XSI_TYPE: "SciPipeRequest"}, nsmap=PPR_NSMAP)
    _add(
        root,
        "SciPipeRequestEntity",
        entityId="UID_UNASSIGNED",
        entityTypeName="SciPipeRequest",
        datamodelVersion="0.1",
    )
    _add_project_summary(root, plan.metadata, creation_time, operator, processing_site)
    _add_project_structure(root, plan.metadata)
    request = _add(_add(root, "ProcessingRequests"), "ProcessingRequest")
    _add(request, "RootDirectory", root_directory)
    _add_intents(request, plan)
    _add_procedure(request, plan)
    _add_dataset(request, plan)
    _add_results_processing(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _ppr_time(time: datetime) -> str:
    """A time as PPRs write it: to the millisecond, no zone."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.") + f"{time.microsecond // 1000:03d}"


def _add_project_summary(
    root: etree._Element, metadata: MousMetadata, creation_time: datetime, operator: str, processing_site: str
) -> None:
    """The project, and who made the request where and when."""
    summary = _add(root, "ProjectSummary")
    for tag, text in (
        ("ProposalCode", metadata.project_code),
        ("ProposalTitle", metadata.project_title),
        ("Observatory", "ALMA Joint Observatory"),
        ("Telescope", "ALMA"),
        ("ProcessingSite", processing_site),
        ("Operator", operator),
        ("Mode", "CSV"),
        ("Version", "Undefined"),
        ("CreationTime", _ppr_time(creation_time)),
    ):
        _add(summary, tag, text)


def _add_project_structure(root: etree._Element, metadata: MousMetadata) -> None:
    """The MOUS in its project: the ObsProject part, the ProjectStatus and the OUSStatus."""
    structure = _add(root, "ProjectStructure")
    _add(
        structure,
        "ObsUnitSetRef",
        entityId=metadata.obs_project_uid,
        partId=metadata.obs_project_part_id,
        entityTypeName="ObsProject",
    )
    _add(structure, "ObsUnitSetTitle", "Undefined")
    _add(structure, "ObsUnitSetType", "Member")
    _add(
        structure,
        "ProjectStatusRef",
        entityId=metadata.project_status_uid,
        entityTypeName="ProjectStatus",
        documentVersion="1",
    )
    _add(structure, "OUSStatusRef", entityId=metadata.mous_uid, entityTypeName="OUSStatus")


def _add_intents(request: etree._Element, plan: RestorePlan) -> None:
    """PROCESS, then the sessions as SESSION_1, SESSION_2, ... (EBs joined by SESSION_SEPARATOR)."""
    intents = _add(request, "ProcessingIntents")
    intent_pairs = [("PROCESS", "true")]
    intent_pairs += [
        (f"SESSION_{number}", SESSION_SEPARATOR.join(ebs)) for number, ebs in enumerate(plan.sessions, 1)
    ]
    intent_pairs.append(("INTERFEROMETRY_STANDARD_OBSERVING_MODE", "Undefined"))
    for keyword, value in intent_pairs:
        intent = _add(intents, "Intents")
        _add(intent, "Keyword", keyword)
        _add(intent, "Value", value)


def _add_procedure(request: etree._Element, plan: RestorePlan) -> None:
    """The pipeline tasks executeppr runs, in order, with their parameters."""
    procedure = _add(request, "ProcessingProcedure")
    _add(procedure, "ProcedureTitle", plan.procedure_title)
    for call in plan.procedure:
        command = _add(procedure, "ProcessingCommand")
        _add(command, "Command", call.name)
        parameters = _add(command, "ParameterSet")
        for keyword, value in call.arguments.items():
            parameter = _add(parameters, "Parameter")
            _add(parameter, "Keyword", keyword)
            _add(parameter, "Value", parameter_value(value))


def _add_dataset(request: etree._Element, plan: RestorePlan) -> None:
    """Where the MOUS is laid out, its SchedBlock, and the ASDMs restored."""
    identifier = _add(_add(_add(request, "DataSet"), "SchedBlockSet"), "SchedBlockIdentifier")
    _add(identifier, "RelativePath", str(plan.relative_path))
    _add(
        identifier,
        "SchedBlockRef",
        entityId=plan.metadata.sched_block_uid,
        entityTypeName="SchedBlock",
        documentVersion="1",
    )
    _add(identifier, "SBStatusRef", entityId=plan.metadata.sb_status_uid, entityTypeName="SBStatus")
    _add(identifier, "SBTitle", "Undefined")
    for eb in plan.dataset:
        asdm = _add(identifier, "AsdmIdentifier")
        _add(_add(asdm, "AsdmRef"), "ExecBlockId", eb)
        _add(asdm, "AsdmDiskName", disk_name(eb))


def _add_results_processing(root: etree._Element) -> None:
    """Nothing archived, cleaned up or notified: the portal keeps the results itself."""
    results = _add(root, "ResultsProcessing")
    for tag, text in (
        ("ArchiveResults", "false"),
        ("CleanUpDisk", "false"),
        ("UpdateProjectLifeCycle", "false"),
        ("NotifyOperatorWhenDone", "false"),
        ("PipelineOperatorAdress", "Unknown"),  # sic: the pipeline's element name
    ):
        _add(results, tag, text)


@dataclass(frozen=True)
class PprAsdm:
    disk_name: str
    eb_uid: str
    session: str  # as the pipeline assigns it
    named_by_intent: bool  # False: the pipeline defaulted it to session_1


@dataclass(frozen=True)
class PprRequest:
    """A PPR as executeppr sees it."""

    proposal_code: str
    observatory: str
    telescope: str
    structure: dict[str, str]
    intents: dict[str, str]
    sessions: dict[str, list[str]]  # SESSION_n -> ASDM disk names, as the pipeline reads them
    procedure_title: str
    commands: list[tuple[str, dict[str, str]]]
    relative_path: str
    asdms: list[PprAsdm]


def _text(element: etree._Element | None) -> str:
    return "" if element is None or element.text is None else element.text.strip()


def _required(parent: etree._Element, path: str) -> etree._Element:
    element = parent.find(path)
    if element is None:
        raise PprError(f"the PPR has no {path}; the pipeline cannot read it")
    return element


def read_ppr(data: bytes | str) -> PprRequest:
    root = parse_untrusted_xml(data, "PPR")
    if root.tag != "SciPipeRequest":
        raise PprError(f"expected <SciPipeRequest>, found <{root.tag}>")
    summary = _required(root, "ProjectSummary")
    structure_element = _required(root, "ProjectStructure")
    refs = {
        name: _required(structure_element, name)
        for name in ("ObsUnitSetRef", "ProjectStatusRef", "OUSStatusRef")
    }
    structure = {
        "ous_entity_id": refs["ObsUnitSetRef"].get("entityId", ""),
        "ous_part_id": refs["ObsUnitSetRef"].get("partId", ""),
        "ous_title": _text(structure_element.find("ObsUnitSetTitle")),
        "ous_type": _text(structure_element.find("ObsUnitSetType")),
        "ps_entity_id": refs["ProjectStatusRef"].get("entityId", ""),
        "ousstatus_entity_id": refs["OUSStatusRef"].get("entityId", ""),
    }
    # Only the first request and the first SchedBlockSet exist for the pipeline.
    request = root.find("ProcessingRequests/ProcessingRequest")
    identifier = None if request is None else request.find("DataSet/SchedBlockSet/SchedBlockIdentifier")
    if request is None or identifier is None or identifier.find("RelativePath") is None:
        raise PprError("the PPR has no valid ProcessingRequest (DataSet/SchedBlockSet/SchedBlockIdentifier)")

    intents = {
        _text(intent.find("Keyword")): _text(intent.find("Value"))
        for intent in request.iterfind("ProcessingIntents/Intents")
    }
    sessions = {}
    number = 1
    while (key := f"SESSION_{number}") in intents:
        sessions[key] = [
            eb.translate(str.maketrans(":/", "__")) for eb in intents[key].split(SESSION_SEPARATOR)
        ]
        number += 1

    commands = [
        (
            _text(command.find("Command")),
            {
                _text(parameter.find("Keyword")): _text(parameter.find("Value"))
                for parameter in command.iterfind("ParameterSet/Parameter")
            },
        )
        for command in request.iterfind("ProcessingProcedure/ProcessingCommand")
    ]
    title = request.find("ProcessingProcedure/ProcedureTitle")

    asdms = []
    for asdm in identifier.iterfind("AsdmIdentifier"):
        name = _text(asdm.find("AsdmDiskName"))
        session_key = next((key for key, names in sessions.items() if strip_ms_suffix(name) in names), None)
        asdms.append(
            PprAsdm(
                disk_name=name,
                eb_uid=_text(asdm.find("AsdmRef/ExecBlockId")),
                session=(session_key or "SESSION_1").lower(),
                named_by_intent=session_key is not None,
            )
        )
    return PprRequest(
        proposal_code=_text(_required(summary, "ProposalCode")),
        observatory=_text(_required(summary, "Observatory")),
        telescope=_text(_required(summary, "Telescope")),
        structure=structure,
        intents=intents,
        sessions=sessions,
        procedure_title=_text(title) if title is not None else "Undefined",
        commands=commands,
        relative_path=_text(identifier.find("RelativePath")),
        asdms=asdms,
    )


def ppr_problems(request: PprRequest, manifest: PipelineManifest) -> list[str]:
    """Why the pipeline would fail on, or misread, this PPR given the manifest; empty if none."""
    problems = []
    if not request.relative_path:
        problems.append("RelativePath is empty: the pipeline has no working or rawdata directory")
    if not request.asdms:
        problems.append("the DataSet lists no ASDM")
    if not request.commands:
        problems.append("the procedure has no ProcessingCommand")
    problems += [not_a_pipeline_task(name) for name, _ in request.commands if not is_pipeline_task(name)]
    unread = sorted(
        key for key in request.intents if SESSION_KEYWORD.fullmatch(key) and key not in request.sessions
    )
    if unread:
        problems.append(f"{', '.join(unread)} never read: SESSION_{len(request.sessions) + 1} is missing")
    for asdm in request.asdms:
        if not asdm.eb_uid or asdm.disk_name != disk_name(asdm.eb_uid):
            problems.append(f"AsdmDiskName {asdm.disk_name!r} does not match ExecBlockId {asdm.eb_uid!r}")
        if not asdm.named_by_intent:
            problems.append(
                f"{asdm.disk_name} is named by no SESSION_n: the pipeline would put it in session_1"
            )
        manifest_session = manifest.session_of(strip_ms_suffix(asdm.disk_name))
        if manifest_session is None:
            problems.append(
                f"{asdm.disk_name} is not in the pipeline manifest: restoredata cannot restore it"
            )
        elif manifest_session != asdm.session:
            problems.append(
                f"{asdm.disk_name} is {asdm.session} for the pipeline but {manifest_session} in the manifest"
            )
    return problems


def check_ppr(data: bytes | str, manifest: PipelineManifest) -> PprRequest:
    """Read the PPR back by the pipeline's rules; raise PprError listing every problem."""
    request = read_ppr(data)
    problems = ppr_problems(request, manifest)
    if problems:
        raise PprError("the PPR would not restore as planned:\n  " + "\n  ".join(problems))
    return request
