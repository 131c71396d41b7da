"""Products: where their files live under the data root (paths that carry their RUN's name,
versions beside each other) and their provenance; writing one is writing.write_product."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from l2portal.files import sha256_file
from l2portal.ledger.models import Execution
from l2portal.registry.models import Collection, Product

from ...ledger.conf import data_root
from ...ledger.refusals import InvalidRequest
from ..registry_format import product_path_problem

EXPORT_TYPE = "export"  # the ledger's own export documents: not part of the processing a RUN records
MISSING = "its file is missing"


class ProductPathError(InvalidRequest):
    """A product path that would leave its collection folder or hide its collection's name."""

    code = "product_path_refused"


def absolute_path(product: Product) -> Path:
    return data_root() / product.path


def file_problem(product: Product, *, checksum: bool = True) -> str | None:
    """None if the product's file has its registered size and sha256 (read only with ``checksum``),
    else what is wrong."""
    path = absolute_path(product)
    if not path.is_file():
        return MISSING
    size = path.stat().st_size
    if size != product.size:
        return f"size {size}, registered {product.size}"
    if checksum and sha256_file(path) != product.sha256:
        return "sha256 differs"
    return None


def product_path(collection: Collection, *parts: str) -> str:
    """Relative path of a product: ``<collection>/<parts...>``; the file name must carry the
    collection name too, so a file found on its own still says which processing made it."""
    relative = str(PurePosixPath(collection.name, *parts))
    check_product_path(collection.name, relative)
    return relative


def check_product_path(collection_name: str, relative: str) -> None:
    """Raise ProductPathError unless ``relative`` stays inside the collection's folder and its
    file name carries the collection's name."""
    problem = product_path_problem(collection_name, relative)
    if problem is not None:
        raise ProductPathError(f"product path {problem}; use product_path()")


def versioned_path(relative: str, version: int) -> str:
    """Where version ``version`` of ``relative`` goes: P310/P310_notes.txt -> P310/P310_notes.v2.txt."""
    folder, _, name = relative.rpartition("/")
    stem, dot, suffixes = name[1:].partition(".")
    versioned = f"{name[0]}{stem}.v{version}{dot}{suffixes}"
    return f"{folder}/{versioned}" if folder else versioned


def produced(product: Product) -> Execution | None:
    """What produced this file: its Execution (with inputs and software) or None if imported."""
    return product.produced_by


def derived_from(product: Product):
    """What was made from this input: products written by executions that read it."""
    return Product.objects.filter(produced_by__inputs=product).distinct()
