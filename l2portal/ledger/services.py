"""The ledger's operations: the only place where states change, products are registered and
fan-in continuations start. Domain services build on these."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .execution import current_execution
from .files import atomic_output, sha256_file
from .models import Collection, Execution, FanIn, FanInPart, LedgerEvent, Product, Tracked, TransitionBase
from .states import ERROR, TransitionNotAllowed


@dataclass(frozen=True)
class Actor:
    """Who causes a change: a person, a task (name + id) or the system itself."""

    label: str
    user: Any = None
    task_name: str = ""
    task_id: str = ""

    @classmethod
    def of_user(cls, user) -> Actor:
        return cls(label=user.get_username(), user=user)

    @classmethod
    def of_task(cls, task) -> Actor:
        task_id = task.request.id or ""
        return cls(label=f"task {task.name}[{task_id}]", task_name=task.name, task_id=task_id)

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(label=f"system: {what}")


def describe(obj) -> str:
    return f"{obj._meta.verbose_name} {obj}"


def record_event(kind: str, message: str, actor: Actor, subject=None, **details) -> LedgerEvent:
    event = LedgerEvent(kind=kind, message=message, actor=actor.label, details=details)
    if subject is not None:
        event.subject_type = ContentType.objects.get_for_model(subject)
        event.subject_id = str(subject.pk)
    event.save()
    return event


def transition(obj: Tracked, to_state: str, actor: Actor, reason: str = "", **details) -> TransitionBase:
    """Move ``obj`` to ``to_state`` if its state machine allows it from the current state.

    Locks the row, checks the move, updates the state and appends the history row atomically. A
    refused move raises TransitionNotAllowed naming the object and both states, leaves the row as
    it was and is recorded as a LedgerEvent. ``obj`` is updated in place.
    """
    machine = type(obj).machine
    return _move(
        obj,
        to_state,
        actor,
        reason,
        details,
        machine.sources(to_state),
        lambda current: machine.refusal(describe(obj), current, to_state),
    )


def fail(obj: Tracked, actor: Actor, error: str, **details) -> TransitionBase:
    """Any non-final state may move to Error; the state it failed in is kept for retry(). The
    Execution running this step, if any, is marked failed too, even though its task returns."""
    row = transition(obj, ERROR, actor, reason=error, **details)
    execution = current_execution()
    if execution is not None:
        execution.status, execution.error = Execution.Status.FAILED, error
    return row


def retry(obj: Tracked, actor: Actor, reason: str = "operator retry") -> TransitionBase:
    """Move ``obj`` from Error back to the state it failed in and start that step's task again."""
    last_failure = (
        type(obj)
        .transition_model()
        .objects.filter(subject_id=obj.pk, to_state=ERROR)
        .order_by("-at", "-id")
        .first()
    )
    if last_failure is None:
        _refuse(obj, actor, TransitionNotAllowed(describe(obj), obj.state, "?", "it has never failed"))
    target = last_failure.from_state

    def not_in_error(current):
        return TransitionNotAllowed(describe(obj), current, target, f"it is not in '{ERROR}'")

    row = _move(obj, target, actor, reason, {"retry_of": last_failure.pk}, (ERROR,), not_in_error)
    start_step(obj)
    return row


@dataclass(frozen=True)
class BatchResult:
    moved: list[int]
    refused: dict[int, str]  # pk -> the state that did not allow the move


def transition_many(
    model: type[Tracked],
    pks: Iterable[int],
    to_state: str,
    actor: Actor,
    reason: str = "",
    *,
    reasons: Mapping[int, str] | None = None,
    **details,
) -> BatchResult:
    """Move many objects of one model to ``to_state`` at once (a scan qualifying thousands of
    programs). Each object allowed to move moves, with its own history row (its reason from
    ``reasons`` if given, else ``reason``); the others are left as they are, listed in the result
    and recorded in one LedgerEvent."""
    pks = sorted(set(pks) | set(reasons or ()))
    why = [(reasons or {}).get(pk, reason) for pk in pks]
    allowed = model.machine.sources(to_state)
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            moved = [row[1] for row in _move_rows(model, pks, to_state, allowed, actor, why, details, now)]
        else:
            moved = []
            for pk, pk_reason in zip(pks, why, strict=True):
                if _move_with_orm(model, pk, to_state, allowed, actor, pk_reason, details, now) is not None:
                    moved.append(pk)
        moved_set = set(moved)
        refused = dict(
            model.objects.filter(pk__in=[pk for pk in pks if pk not in moved_set]).values_list("pk", "state")
        )
        if refused:
            record_event(
                "transition_refused",
                f"{len(refused)} {model._meta.verbose_name_plural} cannot move to '{to_state}'",
                actor,
                to_state=to_state,
                refused={str(pk): state for pk, state in refused.items()},
            )
    return BatchResult(moved=sorted(moved), refused=refused)


def start_step(obj: Tracked) -> None:
    """Enqueue, after commit, the task that carries ``obj`` on from its current state, if any."""
    task_name = getattr(type(obj), "step_tasks", {}).get(obj.state)
    if task_name:
        enqueue(task_name, obj.pk)


def enqueue(task_name: str, *args, **kwargs) -> None:
    """Start a task once the current transaction commits, so the worker sees the rows it needs
    and a rolled-back request starts nothing."""
    from celery import current_app

    task = current_app.tasks[task_name]
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


def _refuse(obj, actor: Actor, error: TransitionNotAllowed):
    record_event(
        "transition_refused",
        str(error),
        actor,
        subject=obj,
        from_state=error.from_state,
        to_state=error.to_state,
    )
    raise error


def _move(obj, to_state, actor, reason, details, allowed_from, explain):
    """Apply the move if the locked row's state is in ``allowed_from``; else raise what
    ``explain(current_state)`` says (trying again, a few times, if the state changed meanwhile)."""
    model = type(obj)
    move = _move_in_one_statement if connection.vendor == "postgresql" else _move_with_orm
    for _ in range(3):
        now = timezone.now()
        row = move(model, obj.pk, to_state, allowed_from, actor, reason, details, now)
        if row is not None:
            obj.state, obj.state_changed_at = to_state, now
            return row
        current = model.objects.filter(pk=obj.pk).values_list("state", flat=True).get()
        refusal = explain(current)
        if refusal is not None:
            _refuse(obj, actor, refusal)
    raise TransitionNotAllowed(describe(obj), current, to_state, "its state keeps changing; try again")


def _history_row(model, pk, from_state, to_state, now, actor, reason, details, row_id=None):
    if to_state == ERROR:
        details = {"failed_in": from_state, **details}
    row = model.transition_model()(
        id=row_id,
        subject_id=pk,
        from_state=from_state,
        to_state=to_state,
        at=now,
        actor_user=actor.user,
        actor_task=actor.task_name,
        actor_task_id=actor.task_id,
        actor=actor.label,
        reason=reason,
        details=details,
    )
    return row


def _move_with_orm(model, pk, to_state, allowed_from, actor, reason, details, now):
    with transaction.atomic():
        from_state = model.objects.select_for_update().filter(pk=pk).values_list("state", flat=True).get()
        if from_state not in allowed_from:
            return None
        model.objects.filter(pk=pk).update(state=to_state, state_changed_at=now)
        row = _history_row(model, pk, from_state, to_state, now, actor, reason, details)
        row.save()
        return row


def _move_in_one_statement(model, pk, to_state, allowed_from, actor, reason, details, now):
    """PostgreSQL: lock, check, update and append history in one statement, one round trip
    (a transition costs about as much as a bare UPDATE and commit)."""
    moved = _move_rows(model, [pk], to_state, allowed_from, actor, [reason], details, now)
    if not moved:
        return None
    row_id, _, from_state = moved[0]
    row = _history_row(model, pk, from_state, to_state, now, actor, reason, details, row_id=row_id)
    row._state.adding, row._state.db = False, connection.alias
    return row


def _move_rows(
    model, pks, to_state, allowed_from, actor, reasons, details, now
) -> list[tuple[int, int, str]]:
    """The PostgreSQL statement behind both paths: rows locked in id order (no deadlock between
    batches), moved where their state allows, one history row each with the reason at the same
    position as its pk. Returns (history id, subject id, from state) per moved row."""
    table = connection.ops.quote_name(model._meta.db_table)
    history = connection.ops.quote_name(model.transition_model()._meta.db_table)
    sql = f"""
        WITH input AS (SELECT * FROM unnest(%(pks)s::bigint[], %(reasons)s::text[]) AS input(id, reason)),
        old AS (SELECT id, state FROM {table} WHERE id = ANY(%(pks)s) ORDER BY id FOR UPDATE),
        moved AS (
            UPDATE {table} AS t SET state = %(to)s, state_changed_at = %(now)s FROM old
            WHERE t.id = old.id AND old.state = ANY(%(allowed)s)
            RETURNING t.id, old.state AS from_state
        )
        INSERT INTO {history} (subject_id, from_state, to_state, at, actor_user_id, actor_task,
                               actor_task_id, actor, reason, details)
        SELECT moved.id, from_state, %(to)s, %(now)s, %(user)s, %(task)s, %(task_id)s, %(actor)s,
               input.reason,
               CASE WHEN %(to)s = %(error)s THEN jsonb_build_object('failed_in', from_state)
                    ELSE '{{}}'::jsonb END || %(details)s::jsonb
        FROM moved JOIN input ON input.id = moved.id
        RETURNING id, subject_id, from_state
    """
    params = {
        "pks": list(pks),
        "to": to_state,
        "now": now,
        "allowed": list(allowed_from),
        "error": ERROR,
        "user": actor.user.pk if actor.user else None,
        "task": actor.task_name,
        "task_id": actor.task_id,
        "actor": actor.label,
        "reasons": list(reasons),
        "details": json.dumps(details),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Products -------------------------------------------------------------------------------


class ProductPathError(ValueError):
    pass


def data_root() -> Path:
    return Path(settings.DATA_ROOT)


def absolute_path(product: Product) -> Path:
    return data_root() / product.path


def product_path(collection: Collection, *parts: str) -> str:
    """Relative path of a product: ``<collection>/<parts...>``; the file name must carry the
    collection name too, so a file found on its own still says which processing made it."""
    relative = str(PurePosixPath(collection.name, *parts))
    _check_relative(collection, relative)
    return relative


def _check_relative(collection: Collection, relative: str) -> None:
    path = PurePosixPath(relative)
    if path.is_absolute() or any(part in {"", ".", ".."} for part in relative.split("/")):
        raise ProductPathError(f"product path {relative} must stay inside its collection folder")
    if path.parts[0] != collection.name:
        raise ProductPathError(f"{relative} is not inside collection {collection.name}; use product_path()")
    if collection.name.lower() not in path.name.lower():
        raise ProductPathError(f"file name {path.name} must contain the collection name {collection.name}")


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
    _check_relative(collection, relative)
    execution = current_execution()
    with transaction.atomic():
        _lock_path(relative)
        existing = Product.objects.filter(path=relative).first()
        if existing is not None:
            return existing
        target = data_root() / relative
        orphan = target.exists()
        with atomic_output(target, overwrite=orphan) as tmp:
            write(tmp)
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
            size=target.stat().st_size,
            sha256=sha256_file(target),
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


# --- Purge, export, import (seeds/001) ------------------------------------------------------


def purge_collection(collection: Collection, actor: Actor, reason: str) -> int:
    """Delete the collection's files; keep their rows (marked purged) so provenance still reads."""
    purged = 0
    for product in collection.products.filter(status=Product.Status.PRESENT).iterator():
        absolute_path(product).unlink(missing_ok=True)
        Product.objects.filter(pk=product.pk).update(status=Product.Status.PURGED, purged_at=timezone.now())
        purged += 1
    record_event(
        "collection_purged",
        f"purged {purged} products of {collection}: {reason}",
        actor,
        subject=collection,
        purged=purged,
    )
    return purged


def purge_expired(actor: Actor, now=None) -> dict[str, int]:
    now = now or timezone.now()
    expired = Collection.objects.filter(
        expires_at__lte=now, products__status=Product.Status.PRESENT
    ).distinct()
    return {c.name: purge_collection(c, actor, f"expired at {c.expires_at:%Y-%m-%d %H:%M}") for c in expired}


EXPORT_FORMAT = "l2portal-export/1"


def export_document(collection: Collection) -> dict:
    """A deterministic description of a collection's products, for export/import between sites."""
    products = (
        collection.products.filter(status=Product.Status.PRESENT)
        .exclude(product_type="export")
        .select_related("produced_by")
        .order_by("path")
    )
    return {
        "format": EXPORT_FORMAT,
        "collection": {
            "name": collection.name,
            "kind": collection.kind,
            "description": collection.description,
        },
        "products": [
            {
                "path": p.path,
                "product_type": p.product_type,
                "size": p.size,
                "sha256": p.sha256,
                "metadata": p.metadata,
                "produced_by": p.produced_by.task_name if p.produced_by else None,
                "inputs": sorted(p.produced_by.inputs.values_list("path", flat=True))
                if p.produced_by
                else [],
            }
            for p in products
        ],
    }


def export_collection(collection: Collection) -> Product:
    """Write the export document as a product named by its content: the same collection exports
    to the same file, a changed one to a new file."""
    import hashlib

    body = json.dumps(export_document(collection), indent=2, sort_keys=True).encode()
    digest = hashlib.sha256(body).hexdigest()[:12]
    relative = product_path(collection, "exports", f"{collection.name}_export_{digest}.json")
    return write_product(
        collection,
        relative,
        "export",
        lambda tmp: tmp.write_bytes(body),
        metadata={"products": len(json.loads(body)["products"])},
    )


class ImportRefused(ValueError):
    pass


def import_collection(document: dict, actor: Actor) -> list[Product]:
    """Register the products of an export whose files are already under the data root, as they
    are (no renaming). Every file's size and sha256 must match; otherwise nothing is registered."""
    if document.get("format") != EXPORT_FORMAT:
        raise ImportRefused(
            f"not an l2portal export (format {document.get('format')!r}, want {EXPORT_FORMAT})"
        )
    name = document["collection"]["name"]
    problems = []
    for entry in document["products"]:
        path = data_root() / entry["path"]
        if not entry["path"].startswith(f"{name}/"):
            problems.append(f"{entry['path']}: outside collection {name}")
        elif not path.is_file():
            problems.append(f"{entry['path']}: file missing under the data root")
        elif path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: size or sha256 differs from the export")
    if problems:
        record_event("import_refused", f"import of {name} refused", actor, problems=problems)
        raise ImportRefused("import refused, nothing registered:\n" + "\n".join(problems))
    with transaction.atomic():
        collection = get_run_collection(name, document["collection"].get("description", ""))
        imported = []
        for entry in document["products"]:
            product, _ = Product.objects.get_or_create(
                path=entry["path"],
                defaults={
                    "collection": collection,
                    "product_type": entry["product_type"],
                    "size": entry["size"],
                    "sha256": entry["sha256"],
                    "metadata": {**entry["metadata"], "imported": True},
                },
            )
            imported.append(product)
        record_event(
            "collection_imported", f"imported {len(imported)} products into {name}", actor, subject=collection
        )
    return imported


# --- Fan-in --------------------------------------------------------------------------------


def fan_in_open(key: str, expected: int, continuation: str, **continuation_kwargs) -> FanIn:
    fan_in, _ = FanIn.objects.get_or_create(
        key=key,
        defaults={
            "expected": expected,
            "continuation": continuation,
            "continuation_kwargs": continuation_kwargs,
        },
    )
    return fan_in


def fan_in_part_done(key: str, part: str) -> bool:
    """Count ``part`` of ``key`` as done (once, however often it is reported); when the last
    expected part arrives, enqueue the continuation. Returns True only for the call that fired."""
    with transaction.atomic():
        fan_in = FanIn.objects.select_for_update().get(key=key)
        try:
            with transaction.atomic():
                FanInPart.objects.create(fan_in=fan_in, part=part)
        except IntegrityError:
            pass  # a redelivered part: already counted
        if fan_in.fired_at is not None or fan_in.parts.count() < fan_in.expected:
            return False
        fan_in.fired_at = timezone.now()
        fan_in.save(update_fields=["fired_at"])
        enqueue(fan_in.continuation, **fan_in.continuation_kwargs)
        return True
