"""Stand-in for CASA with the pipeline, failing where and as the real one fails.

``python -m restore.standins.casa PPR.xml`` stands for ``casa --pipeline -c runpipeline.py PPR.xml``
and runs the PPR as pipeline/infrastructure/executeppr.py does: read by its rules (restore.science.ppr),
working in ``$SCIPIPE_ROOTDIR/<RelativePath>/working`` (``../working`` of the current folder
without SCIPIPE_ROOTDIR), every command looked up among the pipeline's tasks. A command that is not
one is logged as "Unhandled error in executeppr while running pipeline task <name>" with its
``KeyError`` traceback; a task that fails (a missing ASDM, a session the manifest does not know)
leaves its traceback; either way an empty ``errorexit-<UTC>.txt`` is written in working/, the
context saved, and ``PipelineException`` raised: exit code 1. A PPR it cannot read, or one with an
empty RelativePath, ASDM or command list, writes errorexit and returns: exit code 0, as CASA does.

``python -m restore.standins.casa --pipeline -c SCRIPT.py`` stands for ``casa --pipeline -c SCRIPT.py``
and runs a restore script (restore.standins.script).

The casa log goes to ``$SCIPIPE_LOGDIR`` (else working/). Test hooks: ``STANDIN_CASA_FAIL=1`` makes
the first task fail; ``STANDIN_CASA_SLEEP=<seconds>`` spreads that much sleep over the tasks.
Never imported by production code.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path, PurePosixPath

from restore.science.layout import safe_component
from restore.science.pipeline_tasks import DATASET_TASKS, RESTORE_TASKS_NO_SESSION
from restore.science.ppr import PprRequest, read_ppr
from restore.standins.pipeline import PipelineException, StandinPipeline, utc_stamp, write_errorexit_file
from restore.standins.script import run_script

CASA_OPTIONS = ("--pipeline", "--nogui", "--nologger", "--log2term", "--agg")


def _working_dir(relative_path: str) -> Path:
    root = os.environ.get("SCIPIPE_ROOTDIR")
    if not root:  # PIPE-2093: run inside working/ without SCIPIPE_ROOTDIR
        return Path("..", "working").resolve()
    relative = PurePosixPath(relative_path)
    if relative.is_absolute():
        raise ValueError(f"RelativePath {relative_path!r} is absolute")
    return Path(root, *(safe_component(part, "RelativePath component") for part in relative.parts), "working")


def _log_file(working: Path):
    log_dir = Path(os.environ.get("SCIPIPE_LOGDIR") or working)
    log_dir.mkdir(parents=True, exist_ok=True)
    # The casa log grows while the run goes on (operators tail it), so it is appended.
    return open(log_dir / f"casa-{utc_stamp()}.log", "a", encoding="utf-8")


def _pipeline(working: Path, log) -> StandinPipeline:
    sleep = float(os.environ.get("STANDIN_CASA_SLEEP", "0") or 0)
    return StandinPipeline(working, log, sleep=sleep, fail_first=os.environ.get("STANDIN_CASA_FAIL") == "1")


def executeppr(ppr_file: str) -> None:
    print("Analyzing pipeline processing request ...", flush=True)
    working = None
    try:
        request = read_ppr(Path(ppr_file).read_bytes())
        working = _working_dir(request.relative_path)
    except Exception:
        print(f"Beginning pipeline run ...\nFor processing request: {ppr_file}", flush=True)
        traceback.print_exc(file=sys.stdout)
        print("Terminating procedure execution ...", flush=True)
        write_errorexit_file(working)
        return
    with _log_file(working) as log:
        pipeline = _pipeline(working, log)
        pipeline.h_init()
        pipeline.log(f"Beginning pipeline run ...\nFor processing request: {ppr_file}")
        problem = (
            "Undefined relative data path"
            if not request.relative_path
            else "Empty ASDM list"
            if not request.asdms
            else "Empty commands list"
            if not request.commands
            else None
        )
        if problem:
            pipeline.log(f"    {problem}\nTerminating pipeline execution ...")
            write_errorexit_file(working)
            return
        _run_commands(pipeline, request, working)


def _run_commands(pipeline: StandinPipeline, request: PprRequest, working: Path) -> None:
    pipeline.log(f"Project summary\n    Proposal code: {request.proposal_code}")
    pipeline.log(
        f"Directory structure\n    Working directory: {working}\n    Raw data directory: {pipeline.rawdata}"
    )
    pipeline.log(f"Number of ASDMs: {len(request.asdms)}")
    pipeline.spread_sleep(len(request.commands))
    files = [str(pipeline.rawdata / asdm.disk_name) for asdm in request.asdms]
    sessions = [asdm.session for asdm in request.asdms]
    for asdm in request.asdms:
        pipeline.log(f"    Session: {asdm.session}  ASDM: {asdm.disk_name}")
    pipeline.log(f"\nStarting procedure execution ...\n\nProcedure name: {request.procedure_title}\n")
    for name, arguments in request.commands:
        pipeline.log(f"Executing command ...{name}")
        tracebacks = []
        try:
            task = pipeline.task(name)
        except Exception:
            pipeline.log(f"Unhandled error in executeppr while running pipeline task {name}")
            tracebacks.append(traceback.format_exc())
            pipeline.log(tracebacks[-1])
        else:
            for keyword, value in arguments.items():
                pipeline.log(f"    Parameter: {keyword} = {value!r}")
            if name in DATASET_TASKS:
                arguments = {**arguments, "vis": files}
                if name not in RESTORE_TASKS_NO_SESSION:
                    arguments["session"] = sessions
            try:
                task(**arguments)
            except Exception:  # the task template turns it into a failed result with its traceback
                tracebacks.append(traceback.format_exc())
                pipeline.log(tracebacks[-1], name)
        if tracebacks:
            write_errorexit_file(working)
            pipeline.h_save()
            pipeline.log("Terminating procedure execution ...")
            raise PipelineException("\n".join(tracebacks))
    pipeline.h_save()
    pipeline.log("Terminating procedure execution ...")


def main(argv: list[str]) -> int:
    words = [word for word in argv if word not in CASA_OPTIONS]
    if words[:1] == ["-c"] and len(words) >= 2:
        working = Path.cwd()
        with _log_file(working) as log:
            return run_script(Path(words[1]), _pipeline(working, log))
    if len(words) != 1:
        print("usage: python -m restore.standins.casa PPR.xml | --pipeline -c SCRIPT.py", file=sys.stderr)
        return 2
    executeppr(words[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
