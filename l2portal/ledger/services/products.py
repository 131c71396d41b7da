"""Products: files written atomically under the data root and registered with their checksum;
collections they belong to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, transaction

from l2portal.files import sha256_file, staged_output

from ..execution import current_execution, note_writing, partial_tag
from ..models import Collection, Execution, Product
from ..refusals import InvalidRequest
from .actors import Actor
from .events import record_event


class ProductPathError(InvalidRequest):
    """A product path that would leave its collection folder or hide its collection's name."""

    code = "product_path_refused"


def data_root() -> Path:
    return Path(settings.DATA_ROOT)


def absolute_path(product: Product) -> Path:
    return data_root() / product.path


def product_path(collection: Collection, *parts: str) -> str:
    """Relative path of a product: ``<collection>/<parts...>``; the file name must carry the
    collection name too, so a file found on its own still says which processing made it."""
    relative = str(PurePosixPath(collection.name, *parts))
    check_product_path(collection.name, relative)
    return relative


def check_product_path(collection_name: str, relative: str) -> None:
    """Raise ProductPathError unless ``relative`` stays inside the collection's folder and its
    file name carries the collection's name."""
    path = PurePosixPath(relative)
    if path.is_absolute() or any(part in {"", ".", ".."} for part in relative.split("/")):
        raise ProductPathError(f"product path {relative} must stay inside its collection folder")
    if path.parts[0] != collection_name:
        raise ProductPathError(f"{relative} is not inside collection {collection_name}; use product_path()")
    if collection_name.lower() not in path.name.lower():
        raise ProductPathError(f"file name {path.name} must contain the collection name {collection_name}")


def _lock_path(relative: str) -> None:
    """Serialise writers of one product path across workers and hosts (PostgreSQL advisory
    lock, released at commit). SQLite allows a single writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [relative])


def write_product(
    collection: Collection,
    relative: str,
    product_type: str,
    write: Callable[[Path], None],
    *,
    metadata: dict | None = None,
    inputs: Iterable[Product] = (),
) -> Product:
    """Write a file atomically under the data root and register it; the one way to make a product.

    ``write(tmp_path)`` fills a temporary file that is fsynced and renamed into place. A product
    already registered at that path is returned as it is, unwritten (a task run twice makes one
    product); new content needs a new path (a new version). An unregistered file left by a crash
    between rename and commit is replaced. The current Execution, if any, becomes its producer and
    ``inputs`` are added to that Execution's inputs.
    """
    check_product_path(collection.name, relative)
    execution = current_execution()
    existing = Product.objects.filter(path=relative).first()
    if existing is not None:
        return existing
    target = data_root() / relative
    note_writing(relative)
    # The file is written and hashed outside any transaction: the database stays free for others
    # while a large product is made; only the rename and the registration are locked.
    with staged_output(target, tag=partial_tag(execution)) as staged:
        write(staged.path)
        staged.finish()
        size, sha256 = staged.path.stat().st_size, sha256_file(staged.path)
        with transaction.atomic():
            _lock_path(relative)
            existing = Product.objects.filter(path=relative).first()
            if existing is not None:
                return existing  # another run of the same task registered it meanwhile
            orphan = target.exists()
            staged.put_in_place(overwrite=orphan)
            if orphan:
                record_event(
                    "orphan_replaced",
                    f"replaced unregistered file {relative} left by an interrupted run",
                    Actor.system("product writer"),
                    subject=collection,
                )
            product = Product.objects.create(
                collection=collection,
                path=relative,
                product_type=product_type,
                size=size,
                sha256=sha256,
                produced_by=execution,
                metadata=metadata or {},
            )
            if execution is not None and inputs:
                execution.inputs.add(*inputs)
    return product


def produced(product: Product) -> Execution | None:
    """What produced this file: its Execution (with inputs and software) or None if imported."""
    return product.produced_by


def derived_from(product: Product):
    """What was made from this input: products written by executions that read it."""
    return Product.objects.filter(produced_by__inputs=product).distinct()


def get_run_collection(name: str, description: str = "") -> Collection:
    collection, _ = Collection.objects.get_or_create(
        name=name, defaults={"kind": Collection.Kind.RUN, "description": description}
    )
    if collection.kind != Collection.Kind.RUN:
        raise ValueError(f"collection {name} is {collection.kind}, not a RUN collection")
    return collection


def resolve(collection: Collection) -> list[Collection]:
    """The RUN collections a name stands for, in search order (a CHAINED collection expands)."""
    if collection.kind == Collection.Kind.RUN:
        return [collection]
    runs: list[Collection] = []
    for link in collection.child_links.select_related("child"):
        runs.extend(run for run in resolve(link.child) if run not in runs)
    return runs
