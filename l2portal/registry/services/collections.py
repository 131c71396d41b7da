"""Collections as the LSST Butler has them: RUN (the products one processing wrote), TAGGED (a named
set products join and leave) and CHAINED (an ordered search path, no cycles); and the lookup the
domains use to find an input through a chain: the first collection of the search path that holds
a product of that type and data id."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from l2portal.registry.models import (
    Collection,
    CollectionChild,
    Product,
    TagMembership,
    chain_links,
    search_order,
)

from ...ledger import conf as ledger_conf
from ...ledger.execution import software_versions
from ...ledger.refusals import InvalidRequest
from ...ledger.roles import OPERATOR
from ...ledger.services.actors import Actor
from ...ledger.services.events import record_event
from ...ledger.services.refusing import atomic_refusing, refuse, require_role
from ..events import CHAIN_DEFINED
from .instruments import data_key

# A RUN's name is a folder name (it starts every product path); other collections may use '/'
# to group names ("FT2/current"), as Butler collections do.
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")
COLLECTION_NAME = re.compile(r"(?=.{1,64}$)[A-Za-z0-9][A-Za-z0-9_.+-]*(/[A-Za-z0-9][A-Za-z0-9_.+-]*)*")
CHAIN_LOCK = 0x4C32_4348  # one chain edit at a time: two edits could otherwise close a cycle together


class CollectionRefused(InvalidRequest):
    code = "collection_refused"


class CollectionCycle(InvalidRequest):
    code = "collection_cycle"


def _writer() -> Actor:
    return Actor.system("registry")


def _get_or_create(name: str, kind: str, description: str, actor: Actor, **fields) -> Collection:
    pattern = RUN_NAME if kind == Collection.Kind.RUN else COLLECTION_NAME
    if not pattern.fullmatch(name or ""):
        where = (
            "a folder name: letters, digits, '_', '.', '+', '-'"
            if kind == Collection.Kind.RUN
            else ("letters, digits, '_', '.', '+', '-', parts joined by '/'")
        )
        refuse(
            CollectionRefused(f"{kind} collection name {name!r} refused: up to 64 characters, {where}"), actor
        )
    collection, _ = Collection.objects.get_or_create(
        name=name, defaults={"kind": kind, "description": description, **fields}
    )
    if collection.kind != kind:
        refuse(
            CollectionRefused(
                f"collection {name} is {collection.get_kind_display()}, not {Collection.Kind(kind).label}; "
                "choose another name",
                details={"kind": collection.kind},
            ),
            actor,
            collection,
        )
    return collection


def get_run_collection(name: str, description: str = "") -> Collection:
    """The RUN collection ``name``, made on first use with this host, the time and the software
    versions of the processing that starts it."""
    return _get_or_create(
        name,
        Collection.Kind.RUN,
        description,
        _writer(),
        host=ledger_conf.host_name(),
        began_at=timezone.now(),
        software=software_versions(),
    )


def get_tagged_collection(name: str, description: str = "") -> Collection:
    return _get_or_create(name, Collection.Kind.TAGGED, description, _writer())


def collection_named(name: str, actor: Actor) -> Collection:
    collection = Collection.objects.filter(name=name).first()
    if collection is None:
        refuse(CollectionRefused(f"no collection is named {name!r}", details={"collection": name}), actor)
    return collection


def set_chain(name: str, children: Sequence[str], actor: Actor, description: str = "") -> Collection:
    """Define the CHAINED collection ``name`` as the search path ``children`` (made if new,
    redefined if it exists). Refused: a child that does not exist or repeats, a chain that would
    contain itself, a name already used by another kind of collection."""
    require_role(actor, OPERATOR, to=f"define the chain {name}")
    if len(set(children)) != len(children):
        refuse(CollectionRefused(f"chain {name}: a collection appears twice in {list(children)}"), actor)
    with atomic_refusing(actor):
        _lock_chains()
        chain = _get_or_create(name, Collection.Kind.CHAINED, description, actor)
        found = {c.name: c for c in Collection.objects.filter(name__in=children)}
        missing = [child for child in children if child not in found]
        if missing:
            refuse(
                CollectionRefused(
                    f"chain {name}: no collection is named {', '.join(missing)}; make them first",
                    details={"missing": missing},
                ),
                actor,
                chain,
            )
        _refuse_cycles(chain, [found[child] for child in children], actor)
        before = list(chain.child_links.order_by("position").values_list("child__name", flat=True))
        if before != list(children):
            chain.child_links.all().delete()
            CollectionChild.objects.bulk_create(
                CollectionChild(parent=chain, child=found[child], position=n)
                for n, child in enumerate(children)
            )
            record_event(
                CHAIN_DEFINED,
                f"chain {name} = [{', '.join(children)}] (was [{', '.join(before)}])",
                actor,
                subject=chain,
                children=list(children),
                before=before,
            )
        if description and chain.description != description:
            Collection.objects.filter(pk=chain.pk).update(description=description)
    return chain


def prepend_to_chain(name: str, child: str, actor: Actor) -> Collection:
    """Put ``child`` first in the chain ``name`` (moved there if it was further down), as a new
    campaign becomes the current one: ``prepend_to_chain("FT2/current", "P311", actor)``."""
    with atomic_refusing(actor):
        _lock_chains()
        links = CollectionChild.objects.filter(parent__name=name, parent__kind=Collection.Kind.CHAINED)
        current = list(links.order_by("position").values_list("child__name", flat=True))
        return set_chain(name, [child, *(c for c in current if c != child)], actor)


def _lock_chains() -> None:
    """Until commit (PostgreSQL; SQLite has one writer anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def _refuse_cycles(chain: Collection, children: list[Collection], actor: Actor) -> None:
    chained = [child.pk for child in children if child.kind == Collection.Kind.CHAINED]
    below = {link[1] for link in chain_links(chained)} | set(chained)
    if chain.pk in below:
        refuse(
            CollectionCycle(
                f"chain {chain.name} would contain itself through "
                f"{', '.join(c.name for c in children if c.kind == Collection.Kind.CHAINED)}; "
                "a search path has no cycles",
                details={"children": [c.name for c in children]},
            ),
            actor,
            chain,
        )


def find_product(
    collection: Collection | str, product_type: str, instrument: str, data_id: dict
) -> Product | None:
    """The product of ``product_type`` with this instrument and data id found first along the
    search path of ``collection`` (a RUN's current version, or a TAGGED collection's member); None
    if no collection of the path holds one. Purged products are found too: check ``status``."""
    actor = _writer()
    if isinstance(collection, str):
        root = Collection.objects.filter(name=collection).values_list("pk", "kind").first()
        if root is None:
            collection_named(collection, actor)  # refused: no such collection
    else:
        root = (collection.pk, collection.kind)
    key = data_key(instrument, data_id, actor)
    leaves = search_order(*root)
    runs = [pk for pk, kind in leaves if kind == Collection.Kind.RUN]
    tags = [pk for pk, kind in leaves if kind == Collection.Kind.TAGGED]
    found: dict[int, Product] = {}
    if runs:
        rows = Product.objects.filter(
            collection_id__in=runs, product_type=product_type, data_key=key, current=True
        ).order_by()
        found.update((p.collection_id, p) for p in rows)
    if tags:
        members = TagMembership.objects.filter(
            collection_id__in=tags, product_type=product_type, data_key=key
        ).select_related("product")
        found.update((m.collection_id, m.product) for m in members)
    return next((found[pk] for pk, _ in leaves if pk in found), None)
