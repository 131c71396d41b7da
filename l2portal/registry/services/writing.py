"""Writing a product: the file written atomically under the data root and registered with its
checksum, RUN collection, instrument and data id, once; re-runs into the same RUN find what they
made (as the LSST Gen3 Butler notes ask, DM-20845)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from l2portal.files import sha256_file, staged_output
from l2portal.registry.models import Collection, Instrument, Product

from ...ledger.conf import data_root
from ...ledger.execution import current_execution, note_writing, partial_tag
from ...ledger.refusals import Refused
from ...ledger.services.actors import Actor
from ...ledger.services.events import record_event
from ...ledger.services.refusing import refuse
from ..events import ORPHAN_REPLACED, PRODUCT_FILE_MISSING, PRODUCT_REWRITTEN, PRODUCT_VERSION_WRITTEN
from .collections import CollectionRefused
from .instruments import DataIdRefused, identify
from .products import EXPORT_TYPE, absolute_path, check_product_path, versioned_path
from .verifying import MISSING, file_problem


class ProductConflict(Refused):
    """Writing would replace or contradict a registered product: nothing was written."""

    code = "product_conflict"


def _lock(key: str) -> None:
    """Serialise writers of one product path (or one data id) across workers and hosts
    (PostgreSQL advisory lock, released at commit). SQLite allows a single writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _writer() -> Actor:
    execution = current_execution()
    return Actor.system(f"product writer ({execution.task_name})" if execution else "product writer")


def write_product(
    collection: Collection,
    relative: str,
    product_type: str,
    write: Callable[[Path], None],
    *,
    metadata: dict | None = None,
    inputs: Iterable[Product] = (),
    instrument: str | None = None,
    data_id: dict | None = None,
    force: bool = False,
) -> Product:
    """Write a file atomically under the data root and register it; the one way to make a product.

    ``write(tmp_path)`` fills a temporary file that is fsynced and renamed into place. The current
    Execution, if any, becomes its producer and ``inputs`` are added to its inputs. ``instrument``
    (a registered short name, e.g. "LAT") and ``data_id`` (its dimensions, e.g. {"run": 545208791})
    identify it: a RUN holds one current product per type and data id.

    Run again (a redelivered task, a re-run into the same RUN), nothing is replaced silently:
    - the registered product, if its file still has its size and sha256, is returned unwritten;
    - a file that differs from its registration is refused (ProductConflict), left as it is;
    - a file that went missing is recorded purged, then written again at the same path;
    - with ``force=True`` a new version is written beside it (``<name>.v2.<ext>``) and replaces
      it as the current one; the old version stays registered.
    Another path for a type and data id the RUN already holds is refused unless ``force=True``.
    An unregistered file left by a crash between rename and commit is replaced."""
    actor = _writer()
    destination = _destination(collection, relative, product_type, instrument, data_id, actor)
    made, plan = _plan(destination, force, actor)
    if made is not None:
        return made  # made before and still as registered: skipped
    execution = current_execution()
    note_writing(plan.target)
    # The file is written and hashed outside any transaction: the database stays free for others
    # while a large product is made; only the rename and the registration are locked.
    with staged_output(data_root() / plan.target, tag=partial_tag(execution)) as staged:
        write(staged.path)
        staged.finish()
        size, sha256 = staged.path.stat().st_size, sha256_file(staged.path)
        with transaction.atomic():
            registered = _registered_meanwhile(destination, plan, force, actor)
            if registered is not None:
                return registered
            _put_in_place(staged, destination, plan, actor)
            product = Product.objects.create(
                collection=collection,
                path=plan.target,
                product_type=product_type,
                size=size,
                sha256=sha256,
                produced_by=execution,
                metadata=metadata or {},
                instrument=destination.instrument,
                data_id=data_id or {},
                data_key=destination.key,
                version=plan.version,
                replaces=plan.current,
            )
            if plan.current is not None:
                _record_replacement(plan.current, product, actor)
            if product_type != EXPORT_TYPE:
                _extend_run(collection, product.created_at)
            if execution is not None and inputs:
                execution.inputs.add(*inputs)
    return product


@dataclass(frozen=True)
class _Destination:
    """Where and as what a product goes: its RUN, path, type, instrument and data id (as a key)."""

    collection: Collection
    relative: str
    product_type: str
    instrument: Instrument | None
    key: str


@dataclass(frozen=True)
class _Plan:
    """Where the file is written and as which version, replacing ``current`` (if any)."""

    target: str
    version: int
    current: Product | None


def _destination(collection, relative, product_type, instrument, data_id, actor) -> _Destination:
    """Refuse what cannot be a product (a path outside its RUN, a data id without an instrument)."""
    check_product_path(collection.name, relative)
    if collection.kind != Collection.Kind.RUN:
        refuse(
            CollectionRefused(
                f"{relative}: products are written into a RUN collection, {collection} is not one"
            ),
            actor,
        )
    if data_id and not instrument:
        refuse(DataIdRefused(f"{relative}: name the instrument whose data id {data_id} this is"), actor)
    found_instrument, key = identify(instrument, data_id, actor) if instrument else (None, "")
    return _Destination(collection, relative, product_type, found_instrument, key)


def _plan(destination: _Destination, force: bool, actor: Actor) -> tuple[Product | None, _Plan | None]:
    """(the product already made, None) when the registered one still verifies; else (None, where
    to write). A file that differs from its registration is refused; a missing one is recorded
    purged and written again at its path; ``force`` writes a new version."""
    current, by_path = _current_of(destination, force, actor)
    if current is None:
        return None, _Plan(destination.relative, 1, None)
    if not force and current.status == Product.Status.PRESENT:
        problem = file_problem(current)
        if problem is None:
            return current, None
        if problem != MISSING:
            refuse(
                ProductConflict(
                    f"{current.path} differs from its registration ({problem}); nothing was replaced. "
                    "Find out what changed it; to write it again, re-run with force (a new version)",
                    details={"path": current.path, "problem": problem},
                ),
                actor,
                current,
            )
        current = _purge_missing(current, actor)
    if not force:
        return None, _Plan(current.path, current.version, current)
    if by_path:
        return None, _Plan(*_next_version(destination.relative, current), current)
    return None, _Plan(destination.relative, current.version + 1, current)


def _registered_meanwhile(
    destination: _Destination, plan: _Plan, force: bool, actor: Actor
) -> Product | None:
    """Under the path's (and data id's) lock: what another run of the same task registered while
    this one wrote, or what replaced ``plan.current`` meanwhile; None if this one registers."""
    _lock(plan.target)
    if destination.key:
        _lock(f"{destination.collection.pk}|{destination.product_type}|{destination.key}")
    registered = Product.objects.filter(path=plan.target, status=Product.Status.PRESENT).first()
    if registered is not None:
        return registered
    if plan.current is not None and not Product.objects.filter(pk=plan.current.pk, current=True).exists():
        return _current_of(destination, force, actor)[0]
    return None


def _put_in_place(staged, destination: _Destination, plan: _Plan, actor: Actor) -> None:
    """Rename the written file into place; an unregistered file left there by a run that died
    between its rename and its commit is replaced (and said so)."""
    orphan = staged.final.exists()
    staged.put_in_place(overwrite=orphan)
    if orphan and plan.current is None:
        record_event(
            ORPHAN_REPLACED,
            f"replaced unregistered file {plan.target} left by an interrupted run",
            actor,
            subject=destination.collection,
        )
    if plan.current is not None:
        Product.objects.filter(pk=plan.current.pk).update(current=False)


def _current_of(destination: _Destination, force: bool, actor: Actor) -> tuple[Product | None, bool]:
    """The current version of what ``relative`` names, and whether it was found by its path: the
    newest product written at that path followed to whatever replaced it; else, for a data id, the
    RUN's current product of it (at another path: refused unless forced, as writing it would
    replace that one)."""
    collection, relative, product_type, key = (
        destination.collection,
        destination.relative,
        destination.product_type,
        destination.key,
    )
    at_path = Product.objects.filter(path=relative).order_by("-id").first()
    while at_path is not None and not at_path.current:
        at_path = Product.objects.filter(replaces=at_path).first()
    if at_path is not None:
        # A product registered before data ids were given is the same product without one.
        if at_path.product_type != product_type or (at_path.data_key and at_path.data_key != key):
            refuse(
                ProductConflict(
                    f"{relative} is registered as {at_path.product_type} of "
                    f"{at_path.data_key or 'no data id'}, not {product_type} of {key or 'no data id'}; "
                    "write it under another name",
                    details={"path": relative},
                ),
                actor,
                at_path,
            )
        return at_path, True
    if not key:
        return None, False
    held = Product.objects.filter(
        collection=collection, product_type=product_type, data_key=key, current=True
    ).first()
    if held is not None and not force:
        refuse(
            ProductConflict(
                f"{collection} already holds {product_type} of {key} as {held.path}; to make {relative} "
                "the current one, write it with force (a new version)",
                details={"path": relative, "held": held.path},
            ),
            actor,
            held,
        )
    return held, False


def _purge_missing(product: Product, actor: Actor) -> Product:
    """The first half of purge-then-rewrite: a product whose file went missing is recorded purged."""
    with transaction.atomic():
        _lock(product.path)
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.status == Product.Status.PRESENT and not absolute_path(product).exists():
            product.status, product.purged_at = Product.Status.PURGED, timezone.now()
            product.purge_reason = "its file was missing when it was written again"
            product.save(update_fields=["status", "purged_at", "purge_reason"])
            record_event(
                PRODUCT_FILE_MISSING,
                f"{product.path} is registered but its file is missing: recorded purged, written again",
                actor,
                subject=product,
            )
    return product


def _next_version(relative: str, current: Product) -> tuple[str, int]:
    version = current.version + 1
    while Product.objects.filter(path=versioned_path(relative, version)).exists():
        version += 1
    return versioned_path(relative, version), version


def _record_replacement(old: Product, new: Product, actor: Actor) -> None:
    if old.path == new.path:
        record_event(
            PRODUCT_REWRITTEN,
            f"{new.path} written again after it was purged ({old.purge_reason or 'no reason recorded'}; "
            f"sha256 {'unchanged' if old.sha256 == new.sha256 else 'changed'})",
            actor,
            subject=new,
            replaces=str(old.uuid),
        )
    else:
        record_event(
            PRODUCT_VERSION_WRITTEN,
            f"{new.path} (version {new.version}) replaces {old.path} as the current {new.product_type}",
            actor,
            subject=new,
            replaces=str(old.uuid),
        )


def _extend_run(collection: Collection, at) -> None:
    """A RUN's time span reaches its latest product."""
    Collection.objects.filter(pk=collection.pk).filter(Q(ended_at__isnull=True) | Q(ended_at__lt=at)).update(
        ended_at=at, began_at=Coalesce(F("began_at"), Value(at))
    )
