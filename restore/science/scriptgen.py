"""The restore script the portal runs when a delivered one needs more than pipeline tasks.

Generated from the delivered ``*casa_piperestorescript.py``: its calls in order, ``vis`` and
``session`` of the DataSet tasks pointed at the staged data (``../rawdata/<ASDM>`` for imports, the
ASDM names for restores, sessions as planned), helper calls checked to work on staged MSes, every
other path confined to the MOUS folder, and nothing of the delivered file but those calls (no
imports but the helpers' own, no other statements). Run in working/ with ``casa --pipeline -c``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from restore.science.layout import disk_name
from restore.science.pipeline_tasks import (
    DATASET_TASKS,
    IMPORT_TASKS,
    RESTORE_TASKS_NO_SESSION,
    is_pipeline_task,
)
from restore.science.restorescript import HELPERS, DeliveredScript, NotLiteral, TaskCall, disk_name_of_vis


class ScriptGenerationError(ValueError):
    """The delivered script cannot be carried over safely."""


@dataclass(frozen=True)
class GeneratedScript:
    text: str
    calls: tuple[TaskCall, ...]


def confined(value: str, where: str) -> str:
    """``value`` if, read as a path relative to working/, it stays inside the MOUS folder."""
    path = PurePosixPath(value)
    if path.is_absolute() or value.startswith("~"):
        raise ScriptGenerationError(f"{where}: {value!r} is an absolute path; only paths in the layout run")
    depth = 0
    for part in path.parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < -1:  # working/.. is the MOUS folder; one more level leaves it
            raise ScriptGenerationError(f"{where}: {value!r} leaves the restore's MOUS folder")
    return value


def _confine_arguments(call: TaskCall, arguments: dict[str, Any]) -> None:
    for key, value in arguments.items():
        if isinstance(value, NotLiteral):
            raise ScriptGenerationError(
                f"line {call.line}: {call.name} argument {key}={value.source} is an expression; "
                "only literal arguments can be carried over"
            )
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str) and "/" in item:
                confined(item, f"line {call.line}: {call.name} argument {key}")


def _dataset_arguments(call: TaskCall, dataset: list[str], sessions: list[str]) -> dict[str, Any]:
    arguments = dict(call.arguments)
    if call.name in IMPORT_TASKS:
        arguments["vis"] = [f"../rawdata/{name}" for name in dataset]
    else:
        arguments["vis"] = list(dataset)
    if call.name in RESTORE_TASKS_NO_SESSION:
        arguments.pop("session", None)
    else:
        arguments["session"] = list(sessions)
    return arguments


def _helper_arguments(call: TaskCall, staged: set[str]) -> dict[str, Any]:
    _, parameters = HELPERS[call.name]
    unknown = sorted(set(call.arguments) - set(parameters))
    if unknown:
        raise ScriptGenerationError(
            f"line {call.line}: {call.name} has no parameter {', '.join(unknown)} "
            f"(it takes {', '.join(parameters)})"
        )
    vis = call.arguments.get("vis")
    if isinstance(vis, str) and disk_name_of_vis(vis) not in staged:
        raise ScriptGenerationError(
            f"line {call.line}: {call.name} works on {vis}, which is not an MS of the staged ASDMs "
            f"({', '.join(sorted(staged))})"
        )
    return dict(call.arguments)


def carried_calls(
    script: DeliveredScript, dataset: Iterable[str], session_of: dict[str, str]
) -> list[TaskCall]:
    """The delivered calls with their arguments as the generated script passes them.

    ``dataset``: EB uids restored, in order; ``session_of``: EB uid -> session name."""
    ebs = list(dataset)
    names = [disk_name(eb) for eb in ebs]
    sessions = [session_of[eb] for eb in ebs]
    carried = []
    for call in script.calls:
        if call.name in HELPERS:
            arguments = _helper_arguments(call, set(names))
        elif not is_pipeline_task(call.name):
            raise ScriptGenerationError(
                f"line {call.line}: {call.name} is neither a pipeline task nor a known helper "
                f"({', '.join(sorted(HELPERS))}); the portal cannot run it"
            )
        elif call.name in DATASET_TASKS:
            arguments = _dataset_arguments(call, names, sessions)
        else:
            arguments = dict(call.arguments)
        _confine_arguments(call, arguments)
        carried.append(TaskCall(call.name, arguments, call.line))
    return carried


def _render_call(call: TaskCall) -> str:
    arguments = ", ".join(f"{key}={value!r}" for key, value in call.arguments.items())
    return f"{call.name}({arguments})"


def generate_script(
    script: DeliveredScript, dataset: Iterable[str], session_of: dict[str, str], *, source_name: str
) -> GeneratedScript:
    return render_script(carried_calls(script, dataset, session_of), source_name=source_name)


def render_script(calls: Sequence[TaskCall], *, source_name: str) -> GeneratedScript:
    """The script of ``calls`` (carried_calls, with the request's restore parameters in a plan)."""
    if not calls:
        raise ScriptGenerationError("the delivered restore script calls nothing")
    helpers = sorted({call.name for call in calls if call.name in HELPERS and HELPERS[call.name][0]})
    lines = [
        f"# Written by l2portal from {source_name}:",
        "# its calls in order, vis and session pointed at the staged data.",
        "# Run in working/ with: casa --pipeline -c <this file>",
        *(f"from {HELPERS[name][0]} import {name}" for name in helpers),
        "__rethrow_casa_exceptions = True",
    ]
    framed = len(calls) > 1 and calls[0].name == "h_init" and calls[-1].name == "h_save"
    if framed:
        lines += [_render_call(calls[0]), "try:"]
        lines += [f"    {_render_call(call)}" for call in calls[1:-1]]
        lines += ["finally:", f"    {_render_call(calls[-1])}"]
    else:
        lines += [_render_call(call) for call in calls]
    return GeneratedScript("\n".join(lines) + "\n", tuple(calls))
