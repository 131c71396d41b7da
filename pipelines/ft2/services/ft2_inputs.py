"""Registering a run's FT2 inputs by their names, one file or a whole directory tree: previous
(production) FT2 files, magic7 files and livetime tables. Registering the same file again changes
nothing; a file that cannot be used is refused alone, with the reason, and the others go on.

Names recognised (anywhere in the tree):
- previous FT2 files: ``gll_pt1s_p202_r0545208791_v001.fit`` (1-s) and ``gll_pt_p202_..._v001.fit``
  (30-s), ``.fit`` or ``.fits``: registered in the RUN collection of their processing (``P202``),
  which joins the chain FT2/current (PIPELINES_FT2_CHAIN) if it is not in it;
- magic7 files: a name holding ``magic7`` and the run as ``r`` + 10 digits, ending ``.txt`` or
  ``.txt.gz`` (``magic7_r0545208791.txt``): its span is from the run's start (its number, or its
  first ORB record if later) to its last ORB record;
- livetime tables: ``livetime_r0545208791.csv`` or ``.fits`` (the layout of pipelines.science.livetime)."""

from __future__ import annotations

import os
import re
import shutil
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from astropy.io import fits

from l2portal.files import sha256_file
from l2portal.ledger import services as ledger
from l2portal.ledger.execution import recording
from l2portal.ledger.refusals import InvalidRequest, Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.registry import services as registry
from l2portal.registry.models import Collection, Product

from ... import conf
from ...halfpipe.models import DataRun
from ...halfpipe.services.magic7 import magic7_collection, register_magic7
from ...science import livetime
from ...science.ft2 import EXTNAME
from ..selectors.ft2_inputs import FT2_TYPES, INSTRUMENT, LIVETIME_TYPE, data_id

FT2_NAME = re.compile(r"gll_(pt1s|pt)_(p\d+)_r(\d{10})_v(\d{3})\.fits?")
RUN_IN_NAME = re.compile(r"(?<![0-9])r(\d{10})(?![0-9])")
LIVETIME_NAME = re.compile(r"livetime_r(\d{10})\.(csv|fits?)")
PROGRESS_SECONDS = 2.0


class InputRefused(InvalidRequest):
    """A file that cannot be registered as an FT2 input; nothing was registered for it."""

    code = "ft2_input_refused"


@dataclass
class Registration:
    """What a registration over a tree did: counts per outcome and kind, and each refusal."""

    seen: int = 0
    total: int = 0
    outcomes: Counter = field(default_factory=Counter)  # registered, known, refused, ignored
    kinds: Counter = field(default_factory=Counter)  # ft2_1s, ft2_30s, magic7, livetime_table
    refused: list[str] = field(default_factory=list)


def classify(name: str) -> tuple[str, int] | None:
    """(kind, run) of a file name, or None when it is not an input."""
    if match := FT2_NAME.fullmatch(name):
        return FT2_TYPES["1s" if match.group(1) == "pt1s" else "30s"], int(match.group(3))
    if match := LIVETIME_NAME.fullmatch(name):
        return LIVETIME_TYPE, int(match.group(1))
    if "magic7" in name and name.endswith((".txt", ".txt.gz")) and (match := RUN_IN_NAME.search(name)):
        return "magic7", int(match.group(1))
    return None


def register_tree(
    root: Path, actor: Actor, progress: Callable[[Registration, float], None] | None = None
) -> Registration:
    """Register every input under ``root``; ``progress(registration, rate)`` is told every few
    seconds and at the end."""
    ledger.require_role(actor, OPERATOR, to="register FT2 inputs")
    products = registry.data_root().resolve()
    root = Path(root).resolve()
    if root.is_relative_to(products):
        ledger.refuse(
            InputRefused(
                f"{root} is inside the data root {products}: its files are registered products already"
            ),
            actor,
        )
    files = _input_files(root, products)
    result = Registration(total=len(files))
    began = last = time.monotonic()
    for path in files:
        result.seen += 1
        found = classify(path.name)
        if found is None:
            result.outcomes["ignored"] += 1
        else:
            kind, run_id = found
            try:
                outcome = register_input(kind, run_id, path, actor)
            except Refused as error:
                outcome = "refused"
                result.refused.append(f"{path}: {error.message}")
            result.outcomes[outcome] += 1
            result.kinds[kind] += 1
        now = time.monotonic()
        if progress and (now - last >= PROGRESS_SECONDS or result.seen == result.total):
            progress(result, result.seen / max(now - began, 1e-9))
            last = now
    return result


def _input_files(root: Path, products: Path) -> list[Path]:
    """Every file under ``root``, sorted, but those of the data root (registered products)."""
    files = []
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if Path(folder, name) != products]
        files += [Path(folder, name) for name in names]
    return sorted(files)


def register_input(kind: str, run_id: int, path: Path, actor: Actor) -> str:
    """Register one file; returns "registered" or "known" (registered before, unchanged)."""
    if kind == "magic7":
        return _register_magic7(run_id, path, actor)
    if kind == LIVETIME_TYPE:
        return _register_livetime(run_id, path, actor)
    return _register_previous_ft2(kind, run_id, path, actor)


def _refuse(path: Path, why: str, actor: Actor) -> None:
    ledger.refuse(InputRefused(f"{path.name} not registered: {why}", details={"path": str(path)}), actor)


def _register_magic7(run_id: int, path: Path, actor: Actor) -> str:
    before = Product.objects.filter(product_type="magic7", sha256=sha256_file(path)).exists()
    register_magic7(run_id, path, None, None, actor)  # parsed in full, its span from its records
    return "known" if before else "registered"


def _register_livetime(run_id: int, path: Path, actor: Actor) -> str:
    try:
        livetime.read_table(path)
    except livetime.LivetimeError as error:
        _refuse(path, str(error), actor)
    collection = magic7_collection()
    digest = sha256_file(path)
    name = f"{collection.name.lower()}_livetime_r{run_id:010d}_{digest[:8]}{path.suffix}"
    relative = registry.product_path(collection, "livetime", name)
    return _copy_in(collection, relative, LIVETIME_TYPE, run_id, path, {}, actor)


def _register_previous_ft2(kind: str, run_id: int, path: Path, actor: Actor) -> str:
    match = FT2_NAME.fullmatch(path.name)
    processing, version = match.group(2).upper(), int(match.group(4))
    _read_whole_ft2(path, actor)
    collection = registry.get_run_collection(processing, f"production FT2 files of {processing}")
    held = Product.objects.filter(
        collection=collection, product_type=kind, data_id__run=run_id, current=True
    ).first()
    if held is not None and held.metadata.get("version", 0) > version:
        _refuse(path, f"{collection} holds the newer {held.filename} for run {run_id}", actor)
    _join_chain(collection, actor)
    relative = registry.product_path(collection, path.name)
    return _copy_in(
        collection, relative, kind, run_id, path, {"version": version, "processing": processing}, actor
    )


def _read_whole_ft2(path: Path, actor: Actor) -> None:
    """Read every row of the file's table, its CHECKSUM/DATASUM verified where it has them:
    refused if it has no such table, is cut short or differs from its checksums."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # astropy warns of a checksum that fails
            with fits.open(path, checksum=True) as hdus:
                table = hdus[EXTNAME].data
                table[-1:].tobytes()  # the last row is where a cut file ends
    except (OSError, KeyError) as error:
        _refuse(path, f"no {EXTNAME} table: it is not an FT2 file ({error})", actor)
    except (TypeError, ValueError, Warning) as error:
        _refuse(path, f"its {EXTNAME} table cannot be read in full ({error}): fetch it again", actor)


def _copy_in(
    collection: Collection, relative: str, kind: str, run_id: int, path: Path, metadata: dict, actor: Actor
) -> str:
    registered = Product.objects.filter(path=relative, status=Product.Status.PRESENT).first()
    # A registered file whose copy under the data root was damaged is written again from its source.
    damaged = registered is not None and registry.copy_damaged(relative)
    if registered is not None:
        if registered.sha256 != sha256_file(path):
            ledger.refuse(
                InputRefused(
                    f"{path.name} not registered: {relative} is registered with another sha256; a corrected "
                    "file needs a new version number in its name",
                    details={"path": str(path)},
                ),
                actor,
                registered,
            )
        if not damaged:
            return "known"
    DataRun.objects.get_or_create(run_id=run_id)
    with recording("pipelines.register_ft2_input", parameters={"source": str(path), "kind": kind}):
        registry.write_product(
            collection,
            relative,
            kind,
            lambda tmp: shutil.copyfile(path, tmp),
            metadata={"run_id": run_id, "source": path.name, **metadata},
            instrument=INSTRUMENT,
            data_id=data_id(run_id),
            force=damaged or not Product.objects.filter(path=relative).exists(),
        )
    return "registered"


def _join_chain(collection: Collection, actor: Actor) -> None:
    """A production collection joins the end of FT2/current (defined on first use)."""
    name = conf.ft2_chain()
    chain = Collection.objects.filter(name=name).first()
    members = (
        list(chain.child_links.order_by("position").values_list("child__name", flat=True)) if chain else []
    )
    if collection.name not in members:
        registry.set_chain(name, [*members, collection.name], actor, "the current FT2 files of each run")
