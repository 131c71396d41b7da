"""Decoding one chunk (HalfPipe's makeEvt): the raw chunk and its RetDef to one sorted event file
per run it carries, in staging; its downlink is told (downlinks.py) when it is decoded or fails."""

from __future__ import annotations

import logging
import shlex
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from django.db import transaction

from l2portal.ledger import services as ledger
from l2portal.ledger.services import Actor, StepFailed
from l2portal.registry import services as registry

from ... import conf
from ...science import rawchunk
from ...science.chunkevents import ChunkEventsError, RunPart, read_decoder_outputs, split_by_run
from ...science.eventfile import write_ft1
from ...science.retdef import RetDef, RetDefError, parse_retdef
from ..models import Chunk, ChunkEvents, DataRun
from . import downlinks
from .folders import chunk_events_path, staging_collection

log = logging.getLogger(__name__)
DECODE_FOLDER = ".decode"  # scratch folders of decoder commands, under the staging root
FETCH_AGAIN = "it is damaged or incomplete; fetch it again into its downlink folder, then retry the chunk"


def decode_chunk(chunk_pk: int, actor: Actor) -> str:
    chunk = Chunk.objects.select_related("downlink").get(pk=chunk_pk)
    if chunk.state in ("queued", "running"):
        ledger.run_step(chunk, _decode, actor, on_error=lambda c: downlinks.chunk_failed(c, actor))
    return chunk.state


def _decode(chunk: Chunk, actor: Actor) -> None:
    if chunk.state == "queued":
        ledger.transition(chunk, "running", actor, "decoding")
    folder = conf.incoming_root() / chunk.downlink.folder
    retdef_path, chunk_path = folder / chunk.retdef, folder / chunk.filename
    try:
        retdef = parse_retdef(retdef_path.read_bytes(), chunk.retdef)
    except (OSError, RetDefError) as error:
        raise StepFailed(f"{chunk}: {error}", path=str(folder)) from error
    # Registered with its size at ingest and the sha256 its RetDef gives (if any).
    sha256 = registry.verify_file(
        f"{chunk.downlink.folder}/{chunk.filename}",
        chunk_path,
        chunk.size,
        retdef.sha256,
        actor,
        subject=chunk,
        remedy=FETCH_AGAIN,
    )
    try:
        raw = chunk_path.read_bytes()
    except OSError as error:
        raise StepFailed(f"{chunk}: {error}", path=str(folder)) from error
    try:
        rows = _decoded(chunk, retdef, raw, chunk_path, retdef_path)
        parts = split_by_run(rows, retdef.start, retdef.stop, retdef.runs, chunk.filename)
    except (rawchunk.RawChunkError, ChunkEventsError) as error:
        raise StepFailed(str(error)) from error
    files = _write_parts(chunk, retdef, parts, sha256)
    with transaction.atomic():
        runs = _runs([part.run_id for part in parts])
        reason = f"{len(rows)} records, runs {', '.join(str(runs[p.run_id]) for p in parts) or 'none'}"
        ledger.transition(chunk, "done", actor, reason)  # first: a second delivery stops here
        ChunkEvents.objects.bulk_create(
            ChunkEvents(chunk=chunk, data_run=runs[part.run_id], product=product, events=len(part.rows))
            for part, product in zip(parts, files, strict=True)
        )
        Chunk.objects.filter(pk=chunk.pk).update(records=len(rows), sha256=sha256, size=len(raw))
        downlinks.chunk_decoded(chunk, actor)


def _decoded(chunk: Chunk, retdef: RetDef, raw: bytes, chunk_path: Path, retdef_path: Path) -> np.ndarray:
    command = conf.decoder_command()
    if not command:
        decoded = rawchunk.decode(raw, chunk.filename)
        if (decoded.downlink_id, decoded.chunk) != (chunk.downlink.downlink_id, chunk.number):
            raise StepFailed(
                f"{chunk.filename} holds chunk {decoded.chunk} of downlink {decoded.downlink_id}, "
                f"not chunk {chunk.number} of {chunk.downlink.downlink_id}; check the downlink folder"
            )
        return rawchunk.to_ft1(decoded.records)
    scratch = conf.staging_root() / DECODE_FOLDER
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        dir=scratch, prefix=f"{chunk.downlink.downlink_id:09d}-{chunk.number:05d}."
    ) as out:
        values = {"{chunk}": str(chunk_path), "{retdef}": str(retdef_path), "{outdir}": out}
        argv = [_substitute(part, values) for part in shlex.split(command)]
        log.info("decoding %s: %s", chunk, shlex.join(argv))
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=conf.decoder_timeout())
        except (OSError, subprocess.TimeoutExpired) as error:
            raise StepFailed(f"decoder command {argv[0]} could not run for {chunk}: {error}") from error
        for line in (result.stdout + result.stderr).splitlines()[-50:]:
            log.info("decoder: %s", line)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise StepFailed(
                f"decoder exited with status {result.returncode} for {chunk}: {' | '.join(tail)}",
                returncode=result.returncode,
            )
        return read_decoder_outputs(Path(out), chunk.filename)


def _substitute(part: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        part = part.replace(placeholder, value)
    return part


def _write_parts(chunk: Chunk, retdef: RetDef, parts: list[RunPart], sha256: str) -> list:
    collection = staging_collection()
    downlink_id = chunk.downlink.downlink_id
    created = retdef.created.strftime("%Y-%m-%dT%H:%M:%S")
    products = []
    for part in parts:
        relative = chunk_events_path(collection, downlink_id, chunk.number, part.run_id, sha256)
        keywords = {
            "DATE": (created, "file creation date (UTC): its RetDef's"),
            "FILENAME": Path(relative).name,
            "CREATOR": "l2portal pipelines.chunks",
            "RUN_ID": (part.run_id, "run start, MET s"),
            "DOWNLINK": (downlink_id, "downlink id"),
            "CHUNK": (chunk.number, "chunk number"),
        }

        def write(tmp, part=part, keywords=keywords):
            with open(tmp, "wb") as handle:
                write_ft1(handle, part.rows, part.coverage, keywords)

        products.append(
            registry.write_product(
                collection,
                relative,
                "chunk_events",
                write,
                metadata={"downlink": downlink_id, "chunk": chunk.number, "run_id": part.run_id},
            )
        )
    return products


def _runs(run_ids: list[int]) -> dict[int, DataRun]:
    """The data runs, created as needed (chunks decoded at once may meet the same new run)."""
    DataRun.objects.bulk_create([DataRun(run_id=r, state="open") for r in run_ids], ignore_conflicts=True)
    return {run.run_id: run for run in DataRun.objects.filter(run_id__in=run_ids)}
