"""What a pipeline run left in the restore layout, made into files worth registering.

The calibrated measurement sets are folders far too big to copy: they are described by a listing
(each MS, its tables, files and bytes). The weblogs (``pipeline-*/html`` in working/) are archived
as reproducible tar.gz files. The casa logs, the runner's log and errorexit files are taken as they
are. Pure Python (no Django); restore/services/outputs.py registers the results.
"""

from __future__ import annotations

import gzip
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from restore.science.layout import tree_size


@dataclass(frozen=True)
class RunOutput:
    name: str  # the file name's tail, unique within one run
    product_type: str
    write: Callable[[Path], None]  # fills a temporary file
    metadata: dict


def ms_listing(working: Path) -> dict:
    """Every ``*.ms`` folder in working/: its tables and how many files and bytes it holds."""
    listing = []
    for ms in sorted(path for path in working.glob("*.ms") if path.is_dir()):
        files = [path for path in ms.rglob("*") if path.is_file()]
        listing.append(
            {
                "name": ms.name,
                "tables": sorted(path.name for path in ms.iterdir() if path.is_dir()),
                "files": len(files),
                "bytes": sum(path.stat().st_size for path in files),
            }
        )
    return {"working": working.as_posix(), "measurement_sets": listing}


def write_weblog_archive(html: Path, target: Path) -> None:
    """``<context>/html`` as a tar.gz whose bytes depend on the files only (sorted, no times or
    owners), so the same weblog archives to the same file."""

    def plain(member: tarfile.TarInfo) -> tarfile.TarInfo:
        member.mtime, member.uid, member.gid, member.uname, member.gname = 0, 0, 0, "", ""
        return member

    with (
        open(target, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for path in sorted([html, *html.rglob("*")]):
            archive.add(
                path,
                arcname=path.relative_to(html.parent.parent).as_posix(),
                recursive=False,
                filter=plain,
            )


def weblogs(working: Path) -> list[Path]:
    """The ``pipeline-*/html`` folders (one per pipeline context) in working/, oldest first."""
    return sorted(path for path in working.glob("pipeline-*/html") if (path / "index.html").is_file())


def _copy(source: Path) -> Callable[[Path], None]:
    return lambda target: target.write_bytes(source.read_bytes())


def run_outputs(working: Path, logs: Path, run_log: Path | None, since: datetime) -> list[RunOutput]:
    """What one run left: its MS listing, weblogs, logs and errorexit files (those written since
    ``since``, the run's start)."""
    started = since.timestamp()
    listing = ms_listing(working)
    outputs = [
        RunOutput(
            "ms_listing.json",
            "restore_ms_listing",
            lambda target: target.write_text(json.dumps(listing, indent=2, sort_keys=True) + "\n"),
            {"measurement_sets": [ms["name"] for ms in listing["measurement_sets"]]},
        )
    ]
    for html in weblogs(working):
        if html.parent.stat().st_mtime < started:
            continue
        context = html.parent.name
        outputs.append(
            RunOutput(
                f"weblog_{context}.tgz",
                "restore_weblog",
                lambda target, html=html: write_weblog_archive(html, target),
                {"context": context, "bytes_unpacked": tree_size(html)},
            )
        )
    logs_written = sorted(path for path in logs.glob("casa-*.log") if path.stat().st_mtime >= started)
    if run_log is not None and run_log.is_file():
        logs_written.append(run_log)
    outputs += [
        RunOutput(path.name, "restore_log", _copy(path), {"source": path.name}) for path in logs_written
    ]
    errorexits = sorted(path for path in working.glob("errorexit-*.txt") if path.stat().st_mtime >= started)
    outputs += [RunOutput(path.name, "restore_errorexit", _copy(path), {}) for path in errorexits]
    return outputs
