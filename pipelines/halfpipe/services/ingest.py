"""Registering a downlink: a folder of chunks and RetDef files under the incoming root, checked,
registered and started. Registering the same folder again changes nothing."""

from __future__ import annotations

from pathlib import Path

from django.db import IntegrityError

from l2portal.ledger import services as ledger
from l2portal.ledger.refusals import InvalidRequest
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.ledger.services.refusing import atomic_refusing

from ... import conf
from ...science.retdef import NAME, RetDef, RetDefError, parse_retdef
from ..models import Chunk, Downlink
from .downlinks import start_downlink


class DownlinkRefused(InvalidRequest):
    """A downlink folder that cannot be registered; nothing was registered."""

    code = "downlink_refused"


def _refuse(folder: Path, problems: list[str], actor: Actor):
    message = f"downlink folder {folder} refused, nothing registered: " + "; ".join(problems)
    ledger.refuse(DownlinkRefused(message, details={"folder": str(folder), "problems": problems}), actor)


def read_folder(folder: Path, actor: Actor) -> list[RetDef]:
    """The folder's RetDefs, checked: numbered 1..N, one downlink, every chunk file present."""
    root = conf.incoming_root().resolve()
    folder = Path(folder).resolve()
    if not folder.is_relative_to(root):
        _refuse(folder, [f"it is not under PIPELINES_INCOMING_ROOT ({root}); move it there"], actor)
    if not folder.is_dir():
        _refuse(folder, ["no such folder"], actor)
    problems, retdefs = [], []
    for path in sorted(folder.glob("RetDef-*.xml")):
        match = NAME.match(path.name)
        if match is None:
            problems.append(f"{path.name}: not named RetDef-<downlink %09d>-<chunk %05d>.xml")
            continue
        try:
            retdef = parse_retdef(path.read_bytes(), path.name)
        except RetDefError as error:
            problems.append(str(error))
            continue
        if (retdef.downlink_id, retdef.chunk) != (int(match.group(1)), int(match.group(2))):
            problems.append(f"{path.name} describes chunk {retdef.chunk} of downlink {retdef.downlink_id}")
        problems.extend(_outside(root, path, folder / retdef.chunk_file))
        if not (folder / retdef.chunk_file).is_file():
            problems.append(f"{path.name}: chunk file {retdef.chunk_file} is missing")
        retdefs.append(retdef)
    if not retdefs and not problems:
        problems.append("it holds no RetDef-*.xml file")
    numbers = sorted(r.chunk for r in retdefs)
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"chunks must be numbered 1..{len(numbers)}, found {numbers}")
    if len({r.downlink_id for r in retdefs}) > 1:
        problems.append(f"RetDefs of several downlinks: {sorted({r.downlink_id for r in retdefs})}")
    if problems:
        _refuse(folder, problems, actor)
    return sorted(retdefs, key=lambda r: r.chunk)


def _outside(root: Path, *paths: Path) -> list[str]:
    """A link that leads out of the incoming root would let a folder read any file the worker can."""
    return [
        f"{path.name} resolves to {path.resolve()}, outside the incoming root: copy the file in "
        "instead of linking it"
        for path in paths
        if not path.resolve().is_relative_to(root)
    ]


def _registered_before(existing: Downlink, retdefs: list[RetDef], folder: Path, actor: Actor) -> Downlink:
    known = list(existing.chunks.values_list("number", "filename"))
    if known != [(r.chunk, r.chunk_file) for r in retdefs]:
        _refuse(folder, [f"{existing} was registered with other chunks: {known}"], actor)
    return existing


def ingest_downlink(folder: Path, actor: Actor) -> tuple[Downlink, bool]:
    """Register a downlink folder and start it; returns the downlink and whether it was new. A
    folder registered before, even by a simultaneous call, is left as it is (refused if its chunks
    are not the same)."""
    ledger.require_role(actor, OPERATOR, to=f"register downlinks ({folder})")
    retdefs = read_folder(folder, actor)
    folder = Path(folder).resolve()
    downlink_id = retdefs[0].downlink_id
    try:
        with atomic_refusing(actor):
            existing = Downlink.objects.filter(downlink_id=downlink_id).first()
            if existing is not None:
                return _registered_before(existing, retdefs, folder, actor), False
            return _register(downlink_id, retdefs, folder, actor), True
    except IntegrityError:
        # Another call inserted the same downlink between our look and our insert (a lock on a row
        # that does not exist yet locks nothing); its transaction has committed, so it is seen now.
        existing = Downlink.objects.get(downlink_id=downlink_id)
        return _registered_before(existing, retdefs, folder, actor), False


def _register(downlink_id: int, retdefs: list[RetDef], folder: Path, actor: Actor) -> Downlink:
    downlink = Downlink.objects.create(
        downlink_id=downlink_id,
        chunk_count=len(retdefs),
        folder=str(folder.relative_to(conf.incoming_root().resolve())),
        generated_at=max(r.created for r in retdefs),
    )
    Chunk.objects.bulk_create(
        Chunk(
            downlink=downlink,
            number=r.chunk,
            state=Chunk.machine.initial,
            filename=r.chunk_file,
            retdef=f"RetDef-{downlink_id:09d}-{r.chunk:05d}.xml",
            size=(folder / r.chunk_file).stat().st_size,
            sha256=r.sha256,
            span_start=r.start,
            span_stop=r.stop,
            runs=list(r.runs),
            created=r.created,
        )
        for r in retdefs
    )
    start_downlink(downlink, actor)
    return downlink
