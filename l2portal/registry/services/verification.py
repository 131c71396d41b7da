"""The data root checked against the registry (after a restore, or as an audit): every present
product's file is there with its registered size and sha256 (every file's checksum, or those of a
random sample), and no file in a RUN collection's folder is unknown to the registry. Checksums
stream (l2portal.files.sha256_file); rows are read in chunks."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

from l2portal.registry.models import Collection, Product

from ...ledger.conf import data_root
from ...ledger.services.actors import Actor
from ...ledger.services.events import record_event
from ..events import DATA_ROOT_DIFFERS
from .products import MISSING, file_problem

SHOWN_IN_EVENT = 20  # paths the change log's event names; the command lists them all


@dataclass
class DataRootCheck:
    checked: int = 0  # present products whose file was looked at (size)
    hashed: int = 0  # of those, whose sha256 was to be read (all, or the sample)
    differs: list[tuple[str, str]] = field(default_factory=list)  # (path, what differs)
    missing: list[str] = field(default_factory=list)
    unregistered: list[str] = field(default_factory=list)  # in a RUN folder, no present product

    @property
    def clean(self) -> bool:
        return not (self.differs or self.missing or self.unregistered)

    def lines(self) -> list[str]:
        return [
            *(f"differs: {path} ({problem})" for path, problem in self.differs),
            *(f"missing: {path}" for path in self.missing),
            *(f"unregistered: {path}" for path in self.unregistered),
        ]

    def summary(self) -> str:
        return (
            f"{self.checked} products checked ({self.hashed} by sha256): {len(self.differs)} differ, "
            f"{len(self.missing)} missing, {len(self.unregistered)} files not in the registry"
        )


def verify_data_root(actor: Actor, sample: int | None = None) -> DataRootCheck:
    """Check the data root; with ``sample`` only that many files, chosen at random, are read for
    their sha256 (sizes and presence are checked for all). What differs is recorded as an event."""
    check = DataRootCheck()
    present = Product.objects.filter(status=Product.Status.PRESENT).only("path", "size", "sha256")
    hashed = _sampled(present.count(), sample)
    registered = set()
    for index, product in enumerate(present.order_by("pk").iterator(chunk_size=2000)):
        registered.add(product.path)
        checksum = hashed is None or index in hashed
        problem = file_problem(product, checksum=checksum)
        check.checked += 1
        check.hashed += checksum
        if problem == MISSING:
            check.missing.append(product.path)
        elif problem is not None:
            check.differs.append((product.path, problem))
    check.unregistered = [path for path in _files_in_run_folders() if path not in registered]
    if not check.clean:
        record_event(
            DATA_ROOT_DIFFERS,
            f"The data root differs from the registry: {check.summary()}",
            actor,
            differs=[path for path, _ in check.differs[:SHOWN_IN_EVENT]],
            missing=check.missing[:SHOWN_IN_EVENT],
            unregistered=check.unregistered[:SHOWN_IN_EVENT],
        )
    return check


def _sampled(count: int, sample: int | None) -> set[int] | None:
    """The positions of the products whose sha256 is read: all (None), or ``sample`` at random."""
    if sample is None or sample >= count:
        return None
    return set(random.sample(range(count), sample))


def _files_in_run_folders() -> list[str]:
    """Every file under a RUN collection's folder, as a path relative to the data root, leaving
    out the partial files of writes in progress (``.<name>.<tag>.<random>.part``)."""
    root = data_root()
    found = []
    for name in Collection.objects.filter(kind=Collection.Kind.RUN).values_list("name", flat=True):
        for folder, _, files in os.walk(root / name):
            for file in files:
                if not (file.startswith(".") and file.endswith(".part")):
                    found.append(os.path.relpath(os.path.join(folder, file), root).replace(os.sep, "/"))
    return sorted(found)
