"""Read a delivered ``*casa_piperestorescript.py`` without ever executing it.

The pipeline writes these scripts; some carry data fixes that the standard restore lacks
(seeds/004: ``fixsyscaltimes`` between ``hifa_importdata`` and ``hifa_restoredata``). Parsing the
script with ``ast`` tells us which commands the PPR procedure must carry.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from restore.manifest import strip_ms_suffix

# Tasks whose vis/session arguments executeppr replaces with the DataSet's ASDMs and sessions.
DATASET_TASKS = frozenset(
    {
        "h_importdata",
        "h_restoredata",
        "hifa_importdata",
        "hifa_restoredata",
        "hifv_importdata",
        "hifv_restoredata",
        "hsd_importdata",
        "hsd_restoredata",
        "hsdn_importdata",
        "hsdn_restoredata",
    }
)
# Helpers the restore scripts call between pipeline tasks (SACM/JAO fixes and weblog restarts).
DATA_FIX_COMMANDS = frozenset({"fixsyscaltimes", "fixplanets", "h_save", "h_init"})


class RestoreScriptError(ValueError):
    """The restore script is not Python or calls something we cannot represent in a PPR."""


@dataclass(frozen=True)
class NotLiteral:
    """An argument whose value is an expression, kept as source text; it is never evaluated."""

    source: str


@dataclass(frozen=True)
class TaskCall:
    name: str
    arguments: dict[str, Any]
    line: int


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


def parse_restore_script(source: str) -> list[TaskCall]:
    """Statement-level calls of plain names (``task(...)`` or ``x = task(...)``), in source order."""
    try:
        module = ast.parse(source, filename="casa_piperestorescript.py")
    except SyntaxError as error:
        raise RestoreScriptError(f"restore script is not valid Python: {error}") from error
    calls = []
    for node in ast.walk(module):
        if not isinstance(node, ast.Expr | ast.Assign):
            continue
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            continue
        if call.args:
            raise RestoreScriptError(
                f"line {call.lineno}: {call.func.id} takes positional arguments; a PPR can only pass keywords"
            )
        arguments = {kw.arg: _argument_value(kw.value, source) for kw in call.keywords if kw.arg}
        calls.append(TaskCall(call.func.id, arguments, call.lineno))
    return sorted(calls, key=lambda call: call.line)


def procedure_commands(calls: list[TaskCall]) -> list[TaskCall]:
    """The commands a PPR must carry to do what the script does.

    The script's outer ``h_init()`` and final ``h_save()`` frame the run the way executeppr already
    does, so they are dropped; anything in between (fixes, weblog restarts) is kept in order.
    """
    commands = list(calls)
    if commands and commands[0].name == "h_init":
        commands.pop(0)
    if commands and commands[-1].name == "h_save":
        commands.pop()
    return commands


def dataset_arguments(call: TaskCall) -> tuple[list[str], list[str]]:
    """The vis and session lists of a DataSet task call, as lists of strings."""

    def as_list(value: Any) -> list[str]:
        if value is None:
            return []
        return [value] if isinstance(value, str) else [str(item) for item in value]

    return as_list(call.arguments.get("vis")), as_list(call.arguments.get("session"))


def _disk_name_of_vis(vis: str) -> str:
    # The script names ASDMs relative to working/ ('../rawdata/uid___...') and MSes ('uid___....ms').
    return strip_ms_suffix(vis.rstrip("/").rsplit("/", 1)[-1])


def diff_against_plan(
    calls: list[TaskCall], dataset_sessions: dict[str, str], procedure: list[TaskCall]
) -> list[str]:
    """Where the restore script and the PPR plan disagree, as human-readable lines.

    ``dataset_sessions`` maps each DataSet ASDM disk name to the session the PPR gives it;
    ``procedure`` is the plan's command list (DataSet tasks without vis/session).
    """
    differences = []
    for call in calls:
        if call.name not in DATASET_TASKS:
            continue
        vis, sessions = dataset_arguments(call)
        script_sessions = {
            _disk_name_of_vis(name): sessions[index] if index < len(sessions) else None
            for index, name in enumerate(vis)
        }
        for asdm, session in script_sessions.items():
            if asdm not in dataset_sessions:
                differences.append(
                    f"{call.name} (line {call.line}) restores {asdm}, the PPR DataSet does not"
                )
            elif session is not None and session != dataset_sessions[asdm]:
                differences.append(
                    f"{call.name} (line {call.line}) puts {asdm} in {session}, "
                    f"the PPR puts it in {dataset_sessions[asdm]}"
                )
        for asdm in sorted(dataset_sessions.keys() - script_sessions.keys()):
            differences.append(f"the PPR DataSet holds {asdm}, {call.name} (line {call.line}) does not")

    script_commands = [without_dataset_arguments(call) for call in procedure_commands(calls)]
    plan_commands = [without_dataset_arguments(call) for call in procedure]
    script_names = [call.name for call in script_commands]
    plan_names = [call.name for call in plan_commands]
    if script_names != plan_names:
        differences.append(
            f"script runs {', '.join(script_names) or 'nothing'}; "
            f"PPR runs {', '.join(plan_names) or 'nothing'}"
        )
    else:
        for script_call, plan_call in zip(script_commands, plan_commands, strict=True):
            if script_call.arguments != plan_call.arguments:
                differences.append(
                    f"{script_call.name}: script arguments {script_call.arguments}, "
                    f"PPR parameters {plan_call.arguments}"
                )
    return differences


def without_dataset_arguments(call: TaskCall) -> TaskCall:
    """The call as a PPR carries it: executeppr supplies vis and session of DataSet tasks itself."""
    if call.name not in DATASET_TASKS:
        return call
    arguments = {key: value for key, value in call.arguments.items() if key not in ("vis", "session")}
    return TaskCall(call.name, arguments, call.line)
