"""The parameters a restore request may set on the pipeline's restore tasks, as data, with the code
they were read from, and how the pipeline reads them back from a PPR.

A request carries ``{task: {parameter: value}}``; every name is checked against the task's own
parameters (the pipeline drops a keyword its Inputs class does not take without a word:
pipeline/infrastructure/argmapper.py), ``vis`` and ``session`` stay the portal's (executeppr and
the generated script fill them from the DataSet), folders stay inside the MOUS folder, and a text
value must read back from the PPR as the same text (executeppr reads every Value through the ALMA
XmlObjectifier's ``castType``: a whole number becomes an int, a decimal a float, "true"/"false" 1/0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from restore.science.scriptgen import ScriptGenerationError, confined

# Where each task's parameters were read (repository@commit, path), for the people who update them.
SOURCES = {
    "hifa_restoredata": (
        "ra-pipeline/pipeline@bc2f5bd5 pipeline/hifa/cli/hifa_restoredata.py (the task's keywords) and "
        "pipeline/hifa/tasks/restoredata/almarestoredata.py (ALMARestoreDataInputs: types and defaults)"
    ),
    "hif_restoredata": (
        "radio-astro/casa@faed98f9 pipeline/hif/cli/task_hif_restoredata.py (products_dir, copytoraw, "
        "rawdata_dir) and the Cycle 4-5 delivered restore scripts, which call it with ocorr_mode='ca'"
    ),
}
# The correlation modes importasdm takes (CASA's importasdm: cross and auto, auto only, cross only).
OCORR_MODES = ("ca", "ao", "co")
SET_BY_PORTAL = ("vis", "session", "sessions")
TABLE_NAMES = re.compile(r"[A-Za-z][A-Za-z0-9]*( [A-Za-z][A-Za-z0-9]*)*")


class ParameterError(ValueError):
    """A restore parameter the portal will not pass on; ``known`` lists what the task takes."""

    def __init__(self, message: str, known: dict[str, list[str]]):
        super().__init__(message)
        self.known = known


@dataclass(frozen=True)
class TaskParameter:
    name: str
    kind: str  # "bool", "text", "folder" (a path relative to working/) or "choice"
    default: Any
    help: str
    choices: tuple[str, ...] = ()


def _parameters(*parameters: TaskParameter) -> dict[str, TaskParameter]:
    return {parameter.name: parameter for parameter in parameters}


_PRODUCTS_DIR = TaskParameter("products_dir", "folder", "../products", "where the calibration products are")
_RAWDATA_DIR = TaskParameter("rawdata_dir", "folder", "../rawdata", "where the ASDMs are")
_COPYTORAW = TaskParameter("copytoraw", "bool", True, "copy the products from products_dir to rawdata_dir")
_OCORR_MODE = TaskParameter("ocorr_mode", "choice", "ca", "correlations imported", OCORR_MODES)

RESTORE_TASK_PARAMETERS: dict[str, dict[str, TaskParameter]] = {
    "hifa_restoredata": _parameters(
        _PRODUCTS_DIR,
        _COPYTORAW,
        _RAWDATA_DIR,
        TaskParameter("lazy", "bool", False, "use the lazy filler"),
        TaskParameter("bdfflags", "bool", True, "apply the BDF flags"),
        _OCORR_MODE,
        TaskParameter(
            "asis",
            "text",
            "SBSummary ExecBlock Antenna Annotation Station Receiver Source CalAtmosphere CalWVR "
            "CalPointing Pointing",
            "ASDM tables copied verbatim into the MS, separated by spaces",
        ),
    ),
    "hif_restoredata": _parameters(_PRODUCTS_DIR, _COPYTORAW, _RAWDATA_DIR, _OCORR_MODE),
}


def known_parameters() -> dict[str, list[str]]:
    return {task: sorted(parameters) for task, parameters in RESTORE_TASK_PARAMETERS.items()}


def ppr_reads(text: str) -> Any:
    """What executeppr hands a task for the PPR Value ``text`` (XmlObjectifier.castType)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    return {"false": 0, "true": 1}.get(text.lower(), text)


def _value(task: str, parameter: TaskParameter, value: Any) -> Any:
    where = f"{task} {parameter.name}"
    if parameter.kind == "bool":
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false, not {value!r}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} must be a non-empty text, not {value!r}")
    value = value.strip()
    if parameter.kind == "choice" and value not in parameter.choices:
        raise ValueError(f"{where} must be one of {', '.join(parameter.choices)}, not {value!r}")
    if parameter.kind == "text" and parameter.name == "asis" and not TABLE_NAMES.fullmatch(value):
        raise ValueError(f"{where} must be ASDM table names separated by single spaces, not {value!r}")
    if parameter.kind == "folder":
        try:
            confined(value, where)
        except ScriptGenerationError as error:
            raise ValueError(str(error)) from None
    if ppr_reads(value) != value:
        raise ValueError(f"{where}: the pipeline would read {value!r} from a PPR as {ppr_reads(value)!r}")
    return value


def check_parameters(requested: Any) -> dict[str, dict[str, Any]]:
    """``requested`` ({task: {parameter: value}}) checked and normalised (booleans as booleans,
    texts stripped); raises ParameterError naming every problem and what each task takes."""
    if requested in (None, ""):
        return {}
    known = known_parameters()
    if not isinstance(requested, dict) or not all(isinstance(v, dict) for v in requested.values()):
        raise ParameterError("restore parameters are {task: {parameter: value}}", known)
    checked, problems = {}, []
    for task, values in sorted(requested.items()):
        parameters = RESTORE_TASK_PARAMETERS.get(task)
        if parameters is None:
            problems.append(f"{task!r} is not a restore task; the tasks are {', '.join(sorted(known))}")
            continue
        for name, value in sorted(values.items()):
            if name in SET_BY_PORTAL:
                problems.append(
                    f"{task} {name} is set by the portal from the restore's DataSet; leave it out"
                )
            elif name not in parameters:
                problems.append(
                    f"{task} has no parameter {name!r}; its parameters are {', '.join(known[task])}"
                )
            else:
                try:
                    checked.setdefault(task, {})[name] = _value(task, parameters[name], value)
                except ValueError as error:
                    problems.append(str(error))
    if problems:
        raise ParameterError("; ".join(problems), known)
    return checked


def parse_parameter_lines(text: str) -> dict[str, dict[str, str]]:
    """``task.parameter = value`` lines (blank lines skipped) as {task: {parameter: value}}; the
    values stay text for check_parameters."""
    parsed: dict[str, dict[str, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        task, dot, parameter = name.strip().partition(".")
        if not (equals and dot and task and parameter.strip()):
            raise ValueError(f"line {number}: {line.strip()!r} is not task.parameter = value")
        parsed.setdefault(task, {})[parameter.strip()] = value.strip()
    return parsed


def parameter_lines(parameters: dict[str, dict[str, Any]]) -> str:
    """The inverse of parse_parameter_lines, for forms."""
    return "\n".join(
        f"{task}.{name} = {value}" for task, values in parameters.items() for name, value in values.items()
    )
