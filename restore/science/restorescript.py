"""Read a delivered ``*casa_piperestorescript.py`` without ever executing it.

The pipeline writes these scripts; some carry data fixes that the standard restore lacks
(for one, ``fixsyscaltimes`` from CASA's ``recipes.almahelpers`` between ``hifa_importdata`` and
``hifa_restoredata``). Parsing the script with ``ast`` gives its calls in order and the helpers it
imports, which decide the route of the restore (restore.science.plan).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from restore.science.manifest import strip_ms_suffix
from restore.science.pipeline_tasks import DATASET_TASKS

# Helpers a restore script may call besides pipeline tasks: name -> (module it comes from, its
# keyword parameters). fixsyscaltimes(vis, newinterval=2.0) is CASA's recipes/almahelpers.py;
# fixplanets is a CASA task, global in a ``casa --pipeline`` session.
HELPERS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "fixsyscaltimes": ("recipes.almahelpers", ("vis", "newinterval")),
    "fixplanets": (None, ("vis", "field", "fixuvw", "direction", "refant", "reftime")),
}


class RestoreScriptError(ValueError):
    """The restore script is not Python, or uses a form the portal cannot carry over."""


@dataclass(frozen=True)
class NotLiteral:
    """An argument whose value is an expression, kept as source text; it is never evaluated."""

    source: str


@dataclass(frozen=True)
class TaskCall:
    name: str
    arguments: dict[str, Any]
    line: int


@dataclass(frozen=True)
class DeliveredScript:
    calls: tuple[TaskCall, ...]
    imports: dict[str, str] = field(default_factory=dict)  # imported name -> module


def parameter_value(value: Any) -> str:
    """A restore-script argument as PPR text; the pipeline turns the text back into a value."""
    if isinstance(value, str):
        return value
    return repr(value)


def _argument_value(node: ast.expr, source: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return NotLiteral(ast.get_source_segment(source, node) or ast.dump(node))


def parse_restore_script(source: str) -> DeliveredScript:
    """Statement-level calls of plain names (``task(...)`` or ``x = task(...)``) in source order,
    and the names brought in by ``from <module> import <name>``."""
    try:
        module = ast.parse(source, filename="casa_piperestorescript.py")
    except SyntaxError as error:
        raise RestoreScriptError(f"restore script is not valid Python: {error}") from error
    calls = []
    imports = {}
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom) and node.module:
            imports.update({alias.asname or alias.name: node.module for alias in node.names})
            continue
        if not isinstance(node, ast.Expr | ast.Assign):
            continue
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            continue
        if call.args:
            raise RestoreScriptError(
                f"line {call.lineno}: {call.func.id} takes positional arguments; only keywords can be "
                "pointed at the staged data"
            )
        arguments = {kw.arg: _argument_value(kw.value, source) for kw in call.keywords if kw.arg}
        calls.append(TaskCall(call.func.id, arguments, call.lineno))
    return DeliveredScript(tuple(sorted(calls, key=lambda call: call.line)), imports)


def as_list(value: Any) -> list[str]:
    """A vis or session argument as a list of strings (a script may give one string)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(item) for item in value]


def disk_name_of_vis(vis: str) -> str:
    # The script names ASDMs relative to working/ ('../rawdata/uid___...') and MSes ('uid___....ms').
    return strip_ms_suffix(vis.rstrip("/").rsplit("/", 1)[-1])


def session_differences(calls: tuple[TaskCall, ...], dataset_sessions: dict[str, str]) -> list[str]:
    """Where the script's DataSet tasks and the plan disagree on ASDMs or sessions, for people.

    ``dataset_sessions`` maps each DataSet ASDM disk name to the session the plan gives it."""
    differences = []
    for call in calls:
        if call.name not in DATASET_TASKS:
            continue
        vis, sessions = as_list(call.arguments.get("vis")), as_list(call.arguments.get("session"))
        script_sessions = {
            disk_name_of_vis(name): sessions[index] if index < len(sessions) else None
            for index, name in enumerate(vis)
        }
        for asdm, session in script_sessions.items():
            if asdm not in dataset_sessions:
                differences.append(f"{call.name} (line {call.line}) restores {asdm}, the plan does not")
            elif session is not None and session != dataset_sessions[asdm]:
                differences.append(
                    f"{call.name} (line {call.line}) puts {asdm} in {session}, "
                    f"the plan puts it in {dataset_sessions[asdm]}"
                )
        for asdm in sorted(dataset_sessions.keys() - script_sessions.keys()):
            differences.append(f"the plan restores {asdm}, {call.name} (line {call.line}) does not")
    return differences
