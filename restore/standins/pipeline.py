"""The pipeline as the CASA stand-in runs it: the task namespace of ``casa --pipeline`` and the
restore tasks, failing where and how the pipeline's own code fails.

``task(name)`` is ``pipeline.cli.get_pipeline_task_with_name``: ``globals()[name]`` over the tasks
the pipeline exports (restore.science.pipeline_tasks), so anything else is a ``KeyError``. The restore tasks
follow pipeline/h/tasks/importdata and restoredata: an input data set that is not there is
``IOError("Input data set '<vis>' not found")``; restoredata copies the manifest and the files it
names from ../products to ../rawdata, imports, then looks each MS's flag versions up by MS name and
each session's caltables by session name, falling back to ``'default'`` (so a session the manifest
does not know ends in ``KeyError: 'default'``). Other pipeline tasks are accepted and only logged.
What they write: ``<eb>.ms`` folders (with a SYSCAL table), unpacked flag versions and caltables, a
``pipeline-<time>/html`` weblog per context. Never imported by production code.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from l2portal.files import atomic_output
from l2portal.xmlsafe import parse_untrusted_xml
from restore.science.pipeline_tasks import (
    IMPORT_TASKS,
    PIPELINE_TASKS,
    RESTORE_TASKS,
    RESTORE_TASKS_NO_SESSION,
)


class PipelineException(Exception):
    """What executeppr raises when a task failed (the text is the tracebacks)."""


# Printed by Python under the name the pipeline's own exception has.
PipelineException.__module__ = "pipeline.infrastructure.exceptions"


def utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


def write_text(path: Path, text: str) -> None:
    with atomic_output(path, overwrite=True) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_errorexit_file(working: Path | None) -> Path:
    """pipeline.infrastructure.utils.ppr.write_errorexit_file: an empty errorexit-<UTC>.txt."""
    path = Path(working or ".") / f"errorexit-{utc_stamp()}.txt"
    path.touch()
    return path


class Manifest:
    """The pipeline manifest as restoredata reads it (pipeline/h/tasks/common/manifest.py)."""

    def __init__(self, data: bytes):
        ous = parse_untrusted_xml(data, "pipeline manifest").find("ous")
        if ous is None:
            raise ValueError("pipeline manifest has no <ous>")
        self.caltables = {
            session.get("name"): session.find("caltables").get("name")
            for session in ous.iterfind("session")
            if session.find("caltables") is not None
        }
        asdms = list(ous.iter("asdm"))
        self.final_flagversions = {a.get("name"): a.find("finalflags").get("name") for a in asdms}
        self.applycals = {a.get("name"): a.find("applycmds").get("name") for a in asdms}


class StandinPipeline:
    """One pipeline session in ``working`` (its cwd), with ../rawdata and ../products beside it."""

    def __init__(self, working: Path, log: TextIO, *, sleep: float = 0.0, fail_first: bool = False):
        self.working = working
        self.rawdata = working.parent / "rawdata"
        self.products = working.parent / "products"
        self.log_file = log
        self.sleep = sleep  # seconds to spread over the tasks (see spread_sleep)
        self.pause = 0.0
        self.fail_first = fail_first
        self.context: str | None = None
        self.stages: list[str] = []
        self.imported: dict[str, str] = {}  # MS name -> session

    def spread_sleep(self, tasks: int) -> None:
        """Sleep the test hook's seconds in ``tasks`` parts, one after each task."""
        self.pause = self.sleep / max(tasks, 1)

    def log(self, message: str, origin: str = "executeppr") -> None:
        print(message, flush=True)
        for line in message.splitlines() or [""]:
            self.log_file.write(f"{datetime.now(UTC).isoformat()} INFO {origin} {line}\n")
        self.log_file.flush()

    def task(self, name: str) -> Callable[..., Any]:
        """pipeline.cli.get_pipeline_task_with_name: the task, or KeyError."""
        exported = {task: self._generic for task in PIPELINE_TASKS}
        exported |= {"h_init": self.h_init, "h_save": self.h_save}
        exported |= {task: self.importdata for task in IMPORT_TASKS if task in PIPELINE_TASKS}
        exported |= {task: self.restoredata for task in (*RESTORE_TASKS, *RESTORE_TASKS_NO_SESSION)}
        function = exported[name]  # KeyError, as globals()[name] in pipeline/cli.py
        return lambda **arguments: self._execute(name, function, arguments)

    def _execute(self, name: str, function: Callable[..., Any], arguments: dict[str, Any]) -> Any:
        if self.fail_first:
            self.fail_first = False
            raise RuntimeError(f"{name} failed: STANDIN_CASA_FAIL is set")
        time.sleep(self.pause)
        result = (
            function(**arguments) if function in (self.h_init, self.h_save) else function(name, **arguments)
        )
        self.stages.append(name)
        return result

    # -- the tasks -------------------------------------------------------------------------------

    def h_init(self, **_: Any) -> str:
        self.context = f"pipeline-{utc_stamp()}"
        while (self.working / self.context).exists():
            self.context += "-1"
        self.stages = []
        self.log("    Creating new pipeline context", "h_init")
        return self.context

    def h_save(self, **_: Any) -> None:
        if self.context is None:
            self.h_init()
        rows = "".join(f"<li>{stage}</li>" for stage in self.stages)
        sessions = "".join(f"<li>{session}: {ms}</li>" for ms, session in self.imported.items())
        write_text(
            self.working / self.context / "html" / "index.html",
            f"<html><body><h1>Pipeline weblog (stand-in)</h1><h2>Stages</h2><ol>{rows}</ol>"
            f"<h2>Measurement sets</h2><ul>{sessions}</ul></body></html>\n",
        )
        write_text(self.working / f"{self.context}.context", f"stages: {', '.join(self.stages)}\n")

    def _generic(self, name: str, **arguments: Any) -> None:
        self.log(f"    {name}: not simulated by the stand-in", name)

    def _import_one(self, vis: str, session: str) -> str:
        path = Path(vis) if os.path.isabs(vis) else self.working / vis
        if not path.exists():
            raise OSError(f"Input data set '{vis}' not found")
        if not (path / "ASDM.xml").is_file():
            raise TypeError(f"{vis} is of unhandled type")
        ms = f"{path.name}.ms"
        write_text(
            self.working / ms / "table.info",
            f"Type = Measurement Set\nSubType = standin\nASDM = {path.name}\nsession = {session}\n",
        )
        write_text(self.working / ms / "SYSCAL" / "table.info", "Type = SYSCAL\n")
        self.imported[ms] = session
        self.log(f"    Imported {path.name} into {ms} ({session})", "importdata")
        return ms

    def importdata(self, name: str, vis=(), session=(), **_: Any) -> list[str]:
        vis, sessions = _as_list(vis), _as_list(session)
        return [
            self._import_one(item, sessions[index] if index < len(sessions) else "session_1")
            for index, item in enumerate(vis)
        ]

    def restoredata(self, name: str, vis=(), session=(), **_: Any) -> None:
        manifests = sorted(self.products.glob("*pipeline_manifest.xml"))
        for manifest_file in manifests:
            shutil.copy(manifest_file, self.rawdata / manifest_file.name)
            self.log(f"    Copying {manifest_file.name} to {self.rawdata}", name)
        preferred = [path for path in manifests if "cal" in path.name]
        if not manifests:
            raise OSError(f"no *pipeline_manifest.xml in {self.products}")
        manifest = Manifest(((preferred or manifests)[0]).read_bytes())
        for wanted in (
            *manifest.final_flagversions.values(),
            *manifest.caltables.values(),
            *manifest.applycals.values(),
        ):
            shutil.copy(self.products / wanted, self.rawdata / wanted)  # FileNotFoundError if absent
            self.log(f"    Copying {wanted} to {self.rawdata}", name)
        vis_list, sessions = _as_list(vis), _as_list(session)
        mses = [
            self._import_one(
                str(self.rawdata / item) if not os.path.isabs(item) else item,
                sessions[index] if index < len(sessions) else "session_1",
            )
            for index, item in enumerate(vis_list)
        ]
        for ms in mses:
            self._extract(self.rawdata / manifest.final_flagversions[ms])
            self.log(f"    Restoring final flags for {ms} from flag version Pipeline_Final", name)
        for session_name in dict.fromkeys(self.imported[ms] for ms in mses):
            try:
                caltables = manifest.caltables[session_name]
            except KeyError:
                caltables = manifest.caltables["default"]
            self._extract(self.rawdata / caltables)
        for ms in mses:
            self.log(f"    Restoring calibration state for {ms} from {manifest.applycals[ms]}", name)

    def _extract(self, archive_path: Path) -> None:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(self.working, filter="data")
        self.log(f"    Extracting {archive_path.name} into {self.working}", "restoredata")

    # -- helpers a restore script may call ----------------------------------------------------------

    def fixsyscaltimes(self, vis: str, newinterval: float = 2.0) -> None:
        """recipes.almahelpers.fixsyscaltimes: opens <vis>/SYSCAL, as CASA's table tool does."""
        if not (self.working / vis / "SYSCAL").is_dir():
            raise RuntimeError(f"Table {self.working / vis / 'SYSCAL'} does not exist")
        self.log(f"    fixsyscaltimes: SYSCAL times of {vis} on a {newinterval} s grid", "fixsyscaltimes")

    def fixplanets(self, vis: str, **_: Any) -> None:
        if not (self.working / vis).is_dir():
            raise RuntimeError(f"Table {self.working / vis} does not exist")
        self.log(f"    fixplanets applied to {vis}", "fixplanets")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(item) for item in value]
