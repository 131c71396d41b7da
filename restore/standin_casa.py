"""Stand-in for ``casa --pipeline -c runpipeline.py PPR.xml``: ``python -m restore.standin_casa PPR.xml``.

It reads the PPR by the pipeline's rules (restore.ppr.read_ppr), works in
``$SCIPIPE_ROOTDIR/<RelativePath>/working`` with raw data in ``/rawdata`` and products in
``/products``, checks what the real restore would need (ASDMs, manifest, the files the manifest
names, the manifest's sessions), writes what a restore produces (``<eb>.ms`` directories, unpacked
flag versions and caltables, a ``pipeline-*/`` weblog, a casa log in ``$SCIPIPE_LOGDIR``) and fails
as the real one does: a non-zero exit code and an ``errorexit-*.txt`` file in working/.

Test hooks: ``STANDIN_CASA_FAIL=1`` fails in the first command; ``STANDIN_CASA_SLEEP=<seconds>``
spreads that much sleep over the commands (cancellation tests).
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import time
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TextIO

from l2portal.files import atomic_output
from restore.layout import safe_component
from restore.manifest import PipelineManifest, parse_manifest
from restore.ppr import KNOWN_COMMANDS, PprAsdm, PprRequest, read_ppr
from restore.restorescript import DATASET_TASKS


class PipelineFailure(RuntimeError):
    """What the real pipeline reports before writing errorexit and stopping."""


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


def _write_text(path: Path, text: str) -> None:
    with atomic_output(path, overwrite=True) as tmp:
        tmp.write_text(text, encoding="utf-8")


class StandinRun:
    def __init__(self, request: PprRequest, ppr_path: Path, mous_dir: Path, log: TextIO):
        self.request = request
        self.ppr_path = ppr_path
        self.working = mous_dir / "working"
        self.rawdata = mous_dir / "rawdata"
        self.products = mous_dir / "products"
        self.log_file = log
        self.manifest: PipelineManifest | None = None
        self.stages: list[str] = []

    def log(self, message: str) -> None:
        print(message, flush=True)
        self.log_file.write(f"{datetime.now(UTC).isoformat()} INFO executeppr {message}\n")
        self.log_file.flush()

    def run(self) -> None:
        request = self.request
        self.log(f"For processing request: {self.ppr_path}")
        if not request.asdms:
            raise PipelineFailure("Empty ASDM list")
        if not request.commands:
            raise PipelineFailure("Empty commands list")
        self.log(f"Project summary\n    Proposal code: {request.proposal_code}")
        self.log(
            f"Directory structure\n    Working directory: {self.working}\n"
            f"    Raw data directory: {self.rawdata}"
        )
        self.log(f"Number of ASDMs: {len(request.asdms)}")
        for asdm in request.asdms:
            self.log(f"    Session: {asdm.session}  ASDM: {asdm.disk_name}")
            if not (self.rawdata / asdm.disk_name / "ASDM.xml").is_file():
                raise PipelineFailure(f"ASDM {asdm.disk_name} not found in {self.rawdata}")

        self.log(f"Starting procedure execution ...\nProcedure name: {request.procedure_title}")
        fail = os.environ.get("STANDIN_CASA_FAIL") == "1"
        pause = float(os.environ.get("STANDIN_CASA_SLEEP", "0") or 0) / len(request.commands)
        for name, parameters in request.commands:
            self.log(f"Executing command ...{name}")
            for keyword, value in parameters.items():
                self.log(f"    Parameter: {keyword} = {value}")
            if name not in KNOWN_COMMANDS:
                raise PipelineFailure(f"No pipeline task is registered for {name}")
            if fail:
                raise PipelineFailure(f"Unhandled error in executeppr while running pipeline task {name}")
            time.sleep(pause)
            self.execute(name, parameters)
            self.stages.append(name)
        self.write_weblog()
        self.log("Terminating procedure execution ...")

    def execute(self, name: str, parameters: dict[str, str]) -> None:
        if name in DATASET_TASKS and name.endswith("_restoredata"):
            self.restore()
        elif name in DATASET_TASKS:
            for asdm in self.request.asdms:
                self.import_asdm(asdm)
        elif name == "h_save":
            self.write_weblog()
        elif name in ("fixsyscaltimes", "fixplanets"):
            vis = parameters.get("vis", "")
            if not (self.working / safe_component(vis, "vis")).is_dir():
                raise PipelineFailure(f"{name}: {vis} does not exist in {self.working}")
            self.log(f"    {name} applied to {vis}")

    def import_asdm(self, asdm: PprAsdm) -> None:
        _write_text(
            self.working / f"{asdm.disk_name}.ms" / "table.info",
            f"Type = Measurement Set\nSubType = standin\nASDM = {asdm.eb_uid}\nsession = {asdm.session}\n",
        )
        self.log(f"    Imported {asdm.disk_name} into {asdm.disk_name}.ms ({asdm.session})")

    def restore(self) -> None:
        manifest = self.copy_manifest_to_raw()
        for asdm in self.request.asdms:
            manifest_session = manifest.session_of(asdm.disk_name)
            if manifest_session != asdm.session:
                # The real restoredata looks the MS up in the manifest by session and fails.
                raise PipelineFailure(
                    f"{asdm.disk_name} is {asdm.session} in the PPR but {manifest_session} in the manifest"
                )
        sessions = {asdm.session for asdm in self.request.asdms}
        ebs = {asdm.disk_name for asdm in self.request.asdms}
        needed = [
            session.caltables
            for session in manifest.sessions
            if session.name in sessions and session.caltables
        ]
        needed += [name for name in manifest.product_files if name.split(".ms", 1)[0] in ebs]
        for name in sorted(set(needed)):
            source = self.products / safe_component(name, "product file")
            if not source.is_file():
                raise PipelineFailure(f"{name} named by the pipeline manifest is not in {self.products}")
            with atomic_output(self.rawdata / name, overwrite=True) as tmp:
                shutil.copyfile(source, tmp)
            self.log(f"    Copying {name} to {self.rawdata}")
            if name.endswith(".tgz"):
                with tarfile.open(self.rawdata / name, "r:gz") as archive:
                    archive.extractall(self.working, filter="data")
                self.log(f"    Extracting {name} into {self.working}")
        for asdm in self.request.asdms:
            self.import_asdm(asdm)
            self.log(f"    Restoring final flags and calibration state for {asdm.disk_name}.ms")

    def copy_manifest_to_raw(self) -> PipelineManifest:
        candidates = sorted(self.products.glob("*pipeline_manifest.xml"))
        preferred = [path for path in candidates if "cal" in path.name]
        if not candidates:
            raise PipelineFailure(f"no *pipeline_manifest.xml in {self.products}")
        source = (preferred or candidates)[0]
        with atomic_output(self.rawdata / source.name, overwrite=True) as tmp:
            shutil.copyfile(source, tmp)
        self.log(f"    Copying {source.name} to {self.rawdata}")
        return parse_manifest(source.read_bytes())

    def write_weblog(self) -> None:
        rows = "".join(f"<li>{stage}</li>" for stage in self.stages)
        sessions = "".join(f"<li>{asdm.session}: {asdm.disk_name}</li>" for asdm in self.request.asdms)
        _write_text(
            self.working / f"pipeline-{_timestamp()}" / "html" / "index.html",
            f"<html><body><h1>{self.request.proposal_code} restore (stand-in)</h1>"
            f"<h2>Stages</h2><ol>{rows}</ol><h2>Sessions</h2><ul>{sessions}</ul></body></html>\n",
        )


def _mous_dir(root: str, relative_path: str) -> Path:
    relative = PurePosixPath(relative_path)
    if relative.is_absolute():
        raise PipelineFailure(f"RelativePath {relative_path!r} is absolute")
    parts = [safe_component(part, "RelativePath component") for part in relative.parts]
    return Path(root, *parts)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m restore.standin_casa PPR.xml", file=sys.stderr)
        return 2
    ppr_path = Path(argv[0])
    print("Analyzing pipeline processing request ...", flush=True)
    root = os.environ.get("SCIPIPE_ROOTDIR", "")
    try:
        if not root:
            raise PipelineFailure("SCIPIPE_ROOTDIR is not set")
        request = read_ppr(ppr_path.read_bytes())
        if not request.relative_path:
            raise PipelineFailure("Undefined relative data path")
        mous_dir = _mous_dir(root, request.relative_path)
    except (OSError, ValueError, PipelineFailure) as error:
        # Like executeppr failing before it knows its working directory: no errorexit file.
        print(f"Terminating procedure execution ...\n{error}", file=sys.stderr)
        return 1

    working = mous_dir / "working"
    if not working.is_dir():
        print(
            f"Terminating procedure execution ...\nworking directory {working} does not exist",
            file=sys.stderr,
        )
        return 1
    log_dir = Path(os.environ.get("SCIPIPE_LOGDIR") or working)
    log_dir.mkdir(parents=True, exist_ok=True)
    # The casa log grows while the run goes on (operators tail it), so it is appended, not written atomically.
    with open(log_dir / f"casa-{_timestamp()}.log", "a", encoding="utf-8") as log:
        run = StandinRun(request, ppr_path, mous_dir, log)
        try:
            run.run()
        except (PipelineFailure, ValueError, OSError, tarfile.TarError) as error:
            run.log(f"{error}\nTerminating procedure execution ...")
            _write_text(working / f"errorexit-{_timestamp()}.txt", f"{error}\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
