"""The restore plan: archive rows + pipeline manifest + restore script -> what will run, and how.

Pure orchestration, no I/O except through the archive connection handed in by the caller.
Rules (NRAO's notes on MOUS-level ALMA restores, and how the pipeline reads a PPR):

* Sessions come from the OUSStatus XML in document order and are numbered SESSION_1, SESSION_2, ...
  without gaps, even when an EB is left out of the DataSet: the pipeline stops reading intents at
  the first missing number and silently puts unnamed EBs in session_1.
* The pipeline manifest decides what restoredata can restore: an EB it omits (a QA0 SemiPass EB, say)
  stays out of the DataSet with a warning, and its session names win over the OUSStatus numbering.
* A request may set parameters of the restore task (restore.science.restore_parameters): they
  replace what the delivered script passes, in the PPR and in the generated script alike; a task the
  restore does not run cannot take them.
* Two routes. The PPR route: executeppr runs the procedure, which may hold pipeline tasks only. The
  restore-script route: taken when the delivered restore script calls anything else (fixsyscaltimes
  and friends), it runs a script generated from the delivered one (restore.science.scriptgen). An operator
  may force the PPR route; the calls it leaves out are listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from restore.science import archive
from restore.science.archive import MousMetadata
from restore.science.layout import RestoreLayout, disk_name
from restore.science.manifest import PipelineManifest, parse_manifest
from restore.science.pipeline_tasks import DATASET_TASKS, FRAME_TASKS, PIPELINE_VERSION, is_pipeline_task
from restore.science.restorescript import (
    DeliveredScript,
    TaskCall,
    parameter_value,
    parse_restore_script,
    session_differences,
)
from restore.science.scriptgen import ScriptGenerationError, carried_calls
from restore.science.sessions import cross_check_sessions

PPR_ROUTE = "ppr"
SCRIPT_ROUTE = "script"
SESSION_NAME = re.compile(r"session_([1-9][0-9]*)")
RECIPE_PREFIXES = ("hifa", "hifv", "hsd", "hsdn")
# The product files a restore stages: the calibration products and the delivered scripts.
PRODUCT_CLASSES = ("calibration", "script")


class PlanError(ValueError):
    """The archive and products do not allow a pipeline restore of this MOUS."""


@dataclass(frozen=True)
class SessionRow:
    """One EB of the MOUS as the restore sees it."""

    eb_uid: str
    qa0_status: str
    ous_status_session: str | None  # session_N from the OUSStatus XML order
    manifest_session: str | None
    ppr_session: str | None  # the SESSION_n intent that names it
    in_dataset: bool


@dataclass(frozen=True)
class RestorePlan:
    metadata: MousMetadata
    manifest: PipelineManifest
    sessions: tuple[tuple[str, ...], ...]  # EB uids of SESSION_1, SESSION_2, ... (no gaps)
    dataset: tuple[str, ...]  # EB uids restored, in order
    rows: tuple[SessionRow, ...]
    procedure_title: str
    procedure: tuple[TaskCall, ...]  # the PPR's commands: pipeline tasks only
    warnings: tuple[str, ...]
    script_differences: tuple[str, ...]
    route: str  # PPR_ROUTE or SCRIPT_ROUTE
    route_reason: str
    script: DeliveredScript | None = None
    script_name: str | None = None
    script_calls: tuple[TaskCall, ...] = ()  # what the generated script calls (script route)
    left_out: tuple[TaskCall, ...] = ()  # delivered calls a forced PPR route does not run
    forced_ppr: bool = False
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)  # set by the request

    @property
    def ppr_session_of(self) -> dict[str, str]:
        return {eb: f"session_{n}" for n, ebs in enumerate(self.sessions, 1) for eb in ebs}

    def layout(self, root: str | Path) -> RestoreLayout:
        metadata = self.metadata
        return RestoreLayout(
            Path(root), metadata.project_code, metadata.sous_uid, metadata.gous_uid, metadata.mous_uid
        )

    @property
    def relative_path(self) -> PurePosixPath:
        return self.layout(".").relative_path


def _consistency_warnings(metadata: MousMetadata) -> list[str]:
    status = metadata.ous_status
    checks = [
        ("OUSStatusEntity", status.ous_status_uid, metadata.mous_uid),
        ("ContainingObsUnitSetRef (GOUS)", status.containing_ous_status_uid, metadata.gous_uid),
        ("ProjectStatusRef", status.project_status_uid, metadata.project_status_uid),
        ("ObsUnitSetRef entityId", status.obs_unit_set_uid, metadata.obs_project_uid),
        ("ObsUnitSetRef partId", status.obs_unit_set_part_id, metadata.obs_project_part_id),
    ]
    warnings = [
        f"OUSStatus XML {label} is {found!r}, the archive tables say {expected!r}"
        for label, found, expected in checks
        if found != expected
    ]
    if metadata.sb_status_uid not in status.sb_status_uids:
        warnings.append(
            f"SBStatus {metadata.sb_status_uid} is not among the OUSStatus SBStatusRefs "
            f"{status.sb_status_uids}"
        )
    xml_ebs = {eb for session in status.sessions for eb in session}
    for eb in sorted(set(metadata.execblocks) - xml_ebs):
        warnings.append(f"{eb} is in ASA_SCIENCE but in no OUSStatus session")
    for eb in sorted(xml_ebs - set(metadata.execblocks)):
        warnings.append(f"{eb} is in an OUSStatus session but not in ASA_SCIENCE")
    return warnings


def _session_number(name: str) -> int:
    match = SESSION_NAME.fullmatch(name)
    if not match:
        raise PlanError(f"manifest session {name!r} is not named session_<n>; a PPR cannot express it")
    return int(match.group(1))


def _recipe_prefix(manifest: PipelineManifest) -> str:
    prefix = (manifest.procedure_name or "").split("_", 1)[0]
    return prefix if prefix in RECIPE_PREFIXES else "hifa"


def _ppr_commands(script: DeliveredScript) -> tuple[list[TaskCall], list[TaskCall]]:
    """(PPR commands, calls left out) of a delivered script: its pipeline tasks without the context
    frame (h_init, h_save) that executeppr provides itself, DataSet tasks without vis and session,
    which executeppr fills in from the DataSet."""
    commands, left_out = [], []
    for call in script.calls:
        if call.name in FRAME_TASKS:
            continue
        if not is_pipeline_task(call.name):
            left_out.append(call)
            continue
        arguments = dict(call.arguments)
        if call.name in DATASET_TASKS:
            arguments.pop("vis", None)
            arguments.pop("session", None)
        commands.append(TaskCall(call.name, arguments, call.line))
    return commands, left_out


@dataclass(frozen=True)
class _Route:
    route: str
    reason: str
    procedure: list[TaskCall]
    script_calls: list[TaskCall]
    left_out: list[TaskCall]
    warnings: list[str]


def _route(
    manifest: PipelineManifest,
    script: DeliveredScript | None,
    dataset: tuple[str, ...],
    session_of: dict[str, str],
    force_ppr: bool,
) -> _Route:
    if script is None:
        default = TaskCall(f"{_recipe_prefix(manifest)}_restoredata", {}, 0)
        warning = f"no restore script delivered: the PPR runs {default.name} alone"
        return _Route(PPR_ROUTE, warning, [default], [], [], [warning])
    if not any(call.name in DATASET_TASKS for call in script.calls):
        raise PlanError("the restore script runs no import or restore task")
    commands, left_out = _ppr_commands(script)
    try:
        script_calls = carried_calls(script, dataset, session_of)
    except ScriptGenerationError as error:
        raise PlanError(f"the restore script cannot be carried over: {error}") from None
    if not left_out:
        return _Route(PPR_ROUTE, "the restore script calls pipeline tasks only", commands, [], [], [])
    forcing = ", ".join(f"{call.name} (line {call.line})" for call in left_out)
    not_tasks = f"not a pipeline task of pipeline {PIPELINE_VERSION}"
    if force_ppr:
        warning = f"PPR route forced by an operator: it leaves out {forcing}, {not_tasks}"
        return _Route(PPR_ROUTE, warning, commands, [], left_out, [warning])
    reason = f"the delivered restore script calls {forcing}: {not_tasks}, so executeppr would stop there"
    return _Route(SCRIPT_ROUTE, reason, commands, script_calls, [], [])


def _with_parameters(route: _Route, parameters: dict[str, dict[str, Any]]) -> _Route:
    """The route with the request's parameters in every call of their task (PPR commands and the
    generated script's calls); a parameter the delivered script sets otherwise is a warning."""
    runs = {call.name for call in (*route.procedure, *route.script_calls)}
    missing = sorted(set(parameters) - runs)
    if missing:
        raise PlanError(
            f"the request sets parameters of {', '.join(missing)}, which this restore does not run "
            f"(it runs {', '.join(sorted(runs))}): request it again with parameters of those tasks"
        )
    warnings = []

    def updated(calls: list[TaskCall], warn: bool) -> list[TaskCall]:
        result = []
        for call in calls:
            chosen = parameters.get(call.name, {})
            for name, value in chosen.items():
                delivered = call.arguments.get(name)
                if warn and delivered is not None and delivered != value:
                    warnings.append(
                        f"{call.name} {name}: the request sets {value!r}, the delivered restore script "
                        f"(line {call.line}) {delivered!r}"
                    )
            result.append(TaskCall(call.name, {**call.arguments, **chosen}, call.line))
        return result

    procedure = updated(route.procedure, warn=True)
    script_calls = updated(route.script_calls, warn=not route.procedure)
    return replace(route, procedure=procedure, script_calls=script_calls, warnings=route.warnings + warnings)


def _follow_manifest(
    sessions: list[list[str]], manifest: PipelineManifest, archive_ebs: list[str]
) -> tuple[dict[str, str], list[str]]:
    """Move EBs in ``sessions`` to their manifest session; return ({EB uid: manifest session}, warnings).

    Sessions stay numbered without gaps: a session emptied by a move keeps its number.
    """
    warnings = []
    known_ebs = {disk_name(eb): eb for eb in [*archive_ebs, *(eb for ebs in sessions for eb in ebs)]}
    manifest_session_of: dict[str, str] = {}
    for manifest_session in manifest.sessions:
        number = _session_number(manifest_session.name)
        for asdm in manifest_session.asdms:
            eb = known_ebs.get(asdm)
            if eb is None:
                warnings.append(f"the manifest names {asdm}, which the archive does not list for this MOUS")
                continue
            manifest_session_of[eb] = manifest_session.name
            if number <= len(sessions) and eb in sessions[number - 1]:
                continue
            current = next((n for n, ebs in enumerate(sessions, 1) if eb in ebs), None)
            warnings.append(
                f"{eb}: OUSStatus XML puts it in {f'session_{current}' if current else 'no session'}, "
                f"the manifest in {manifest_session.name}; following the manifest"
            )
            if current:
                sessions[current - 1].remove(eb)
            sessions.extend([] for _ in range(number - len(sessions)))
            sessions[number - 1].append(eb)
    return manifest_session_of, warnings


def build_plan(
    metadata: MousMetadata,
    manifest: PipelineManifest,
    script_source: str | None,
    *,
    script_name: str | None = None,
    force_ppr: bool = False,
    parameters: dict[str, dict[str, Any]] | None = None,
) -> RestorePlan:
    if manifest.ous_name != disk_name(metadata.mous_uid):
        raise PlanError(
            f"the pipeline manifest is for {manifest.ous_name}, not {disk_name(metadata.mous_uid)}"
        )
    warnings = cross_check_sessions(metadata.ous_status, metadata.aqua, metadata.sched_block_uid)
    warnings += _consistency_warnings(metadata)

    sessions = [list(session) for session in metadata.ous_status.sessions]
    manifest_session_of, manifest_warnings = _follow_manifest(sessions, manifest, [*metadata.execblocks])
    warnings += manifest_warnings

    dataset = tuple(eb for session in sessions for eb in session if eb in manifest_session_of)
    if not dataset:
        raise PlanError(f"no EB of {metadata.mous_uid} is in the pipeline manifest: nothing to restore")
    qa0 = {row.eb_uid: row.qa0_status for row in metadata.aqua}
    xml_session_of = {
        eb: f"session_{n}" for n, ebs in enumerate(metadata.ous_status.sessions, 1) for eb in ebs
    }
    ppr_session_of = {eb: f"session_{n}" for n, ebs in enumerate(sessions, 1) for eb in ebs}
    all_ebs = list(dict.fromkeys([*xml_session_of, *metadata.execblocks, *manifest_session_of]))
    for eb in all_ebs:
        if eb not in manifest_session_of:
            warnings.append(
                f"{eb} (QA0 {qa0.get(eb, 'unknown')}) is not in the pipeline manifest: "
                "left out of the DataSet"
            )
    rows = tuple(
        SessionRow(
            eb_uid=eb,
            qa0_status=qa0.get(eb, "unknown"),
            ous_status_session=xml_session_of.get(eb),
            manifest_session=manifest_session_of.get(eb),
            ppr_session=ppr_session_of.get(eb),
            in_dataset=eb in dataset,
        )
        for eb in all_ebs
    )

    script = None if script_source is None else parse_restore_script(script_source)
    route = _with_parameters(_route(manifest, script, dataset, ppr_session_of, force_ppr), parameters or {})
    differences = (
        session_differences(script.calls, {disk_name(eb): ppr_session_of[eb] for eb in dataset})
        if script
        else []
    )
    return RestorePlan(
        metadata=metadata,
        manifest=manifest,
        sessions=tuple(tuple(session) for session in sessions),
        dataset=dataset,
        rows=rows,
        procedure_title=f"{_recipe_prefix(manifest)}_restore",
        procedure=tuple(route.procedure),
        warnings=tuple(warnings + route.warnings),
        script_differences=tuple(differences),
        route=route.route,
        route_reason=route.reason,
        script=script,
        script_name=script_name,
        script_calls=tuple(route.script_calls),
        left_out=tuple(route.left_out),
        forced_ppr=force_ppr and bool(route.left_out),
        parameters=dict(parameters or {}),
    )


def load_plan(
    connection: Any,
    mous_uid: str,
    read: Callable[[str], bytes],
    *,
    force_ppr: bool = False,
    parameters: dict[str, dict[str, Any]] | None = None,
) -> RestorePlan:
    """Query the archive, read the manifest and restore script with ``read`` (file id -> bytes,
    from the product store or the staged products), plan."""
    verdict = archive.can_restore(connection, mous_uid)
    if not verdict.restorable:
        raise PlanError(verdict.reason)
    metadata = archive.fetch_mous_metadata(connection, mous_uid)
    manifest_id = archive.product_file_named(metadata.product_files, "pipeline_manifest.xml", prefer="cal")
    if manifest_id is None:
        raise PlanError(f"{mous_uid} has no pipeline manifest among its products: restoredata needs one")
    manifest = parse_manifest(read(manifest_id))
    # The manifest names the restore script of this run; older deliveries may not.
    script_id = manifest.restore_script or archive.product_file_named(
        metadata.product_files, "casa_piperestorescript.py"
    )
    script = None if script_id is None else read(script_id).decode("utf-8")
    return build_plan(
        metadata, manifest, script, script_name=script_id, force_ppr=force_ppr, parameters=parameters
    )


def read_folder(folder: str | Path) -> Callable[[str], bytes]:
    """A ``read`` for load_plan over a folder of files named by NGAS file id (staged products/)."""
    return partial(archive.read_product, folder)


def _call_text(call: TaskCall) -> str:
    return f"{call.name}({', '.join(f'{key}={value!r}' for key, value in call.arguments.items())})"


def format_plan(plan: RestorePlan) -> str:
    """The sessions table, the route and what will run, warnings and script differences, for people."""
    header = ("EB", "QA0", "OUSStatus", "manifest", "PPR SESSION", "DataSet")
    table = [header] + [
        (
            row.eb_uid,
            row.qa0_status,
            row.ous_status_session or "-",
            row.manifest_session or "-",
            row.ppr_session or "-",
            "yes" if row.in_dataset else "no",
        )
        for row in plan.rows
    ]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in table]
    lines.append(f"route: {plan.route} ({plan.route_reason})")
    if plan.route == SCRIPT_ROUTE:
        lines += [f"  {_call_text(call)}" for call in plan.script_calls]
    else:
        lines.append(f"procedure {plan.procedure_title}: {', '.join(call.name for call in plan.procedure)}")
    lines += [f"warning: {warning}" for warning in plan.warnings]
    lines += [f"script differs: {difference}" for difference in plan.script_differences]
    return "\n".join(line.rstrip() for line in lines)


def _calls_json(calls) -> list[dict[str, Any]]:
    return [
        {
            "name": call.name,
            "line": call.line,
            "arguments": {k: parameter_value(v) for k, v in call.arguments.items()},
        }
        for call in calls
    ]


def plan_summary(plan: RestorePlan) -> dict[str, Any]:
    """The plan as a restore request keeps it (JSON): what staging, preparing and the pages read."""
    metadata = plan.metadata
    return {
        "project_code": metadata.project_code,
        "project_title": metadata.project_title,
        "sous_uid": metadata.sous_uid,
        "gous_uid": metadata.gous_uid,
        "sched_block_uid": metadata.sched_block_uid,
        "relative_path": str(plan.relative_path),
        "sessions": [list(session) for session in plan.sessions],
        "dataset": list(plan.dataset),
        "route": plan.route,
        "route_reason": plan.route_reason,
        "forced_ppr": plan.forced_ppr,
        "parameters": plan.parameters,
        "procedure_title": plan.procedure_title,
        "procedure": _calls_json(plan.procedure),
        "script_calls": _calls_json(plan.script_calls),
        "left_out": _calls_json(plan.left_out),
        "script_differences": list(plan.script_differences),
        "restore_script": plan.script_name,
        "product_files": [
            {
                "name": product.ngas_file_id,
                "file_class": product.file_class,
                "stored_size": product.stored_size,
            }
            for product in metadata.product_files
            if product.file_class in PRODUCT_CLASSES
        ],
    }


def sessions_table(plan: RestorePlan) -> list[dict[str, Any]]:
    """One row per EB (JSON), for people: sessions, QA0, manifest and DataSet membership."""
    return [
        {
            "eb_uid": row.eb_uid,
            "qa0_status": row.qa0_status,
            "ous_status_session": row.ous_status_session,
            "manifest_session": row.manifest_session,
            "in_manifest": row.manifest_session is not None,
            "ppr_session": row.ppr_session,
            "in_dataset": row.in_dataset,
        }
        for row in plan.rows
    ]
