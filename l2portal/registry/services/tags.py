"""TAGGED collections: products join and leave at any time ("the products that went to the FSSC on
2019-07-01", "the datasets used for inversion 17"); every change is a TagChange row, append-only.
As in a Butler TAGGED collection, a tag holds one product per type and data id."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from l2portal.registry.models import Collection, Product, TagChange, TagMembership

from ...ledger.refusals import Refused
from ...ledger.roles import OPERATOR
from ...ledger.services.actors import Actor
from ...ledger.services.refusing import atomic_refusing, refuse, require_role
from .collections import get_tagged_collection


class TagConflict(Refused):
    code = "tag_conflict"


def tag_products(tag: str, products: Iterable[Product], actor: Actor, reason: str = "") -> int:
    """Add ``products`` to the TAGGED collection ``tag`` (made on first use); those already in it
    stay as they are. Returns how many joined."""
    require_role(actor, OPERATOR, to=f"tag products into {tag}")
    collection = get_tagged_collection(tag)
    products = {p.pk: p for p in products}
    with atomic_refusing(actor):
        Collection.objects.select_for_update().filter(pk=collection.pk).get()  # one change of a tag at a time
        members = TagMembership.objects.filter(collection=collection)
        present = set(members.filter(product_id__in=products).values_list("product_id", flat=True))
        joining = [p for pk, p in sorted(products.items()) if pk not in present]
        _refuse_conflicts(collection, joining, members, actor)
        now = timezone.now()
        TagMembership.objects.bulk_create(
            TagMembership(
                collection=collection,
                product=p,
                product_type=p.product_type,
                data_key=p.data_key,
                added_at=now,
            )
            for p in joining
        )
        _record(collection, [p.pk for p in joining], TagChange.Action.ADDED, now, actor, reason)
    return len(joining)


def untag_products(tag: str, products: Iterable[Product], actor: Actor, reason: str = "") -> int:
    """Take ``products`` out of ``tag``; those not in it are left alone. Returns how many left."""
    require_role(actor, OPERATOR, to=f"take products out of {tag}")
    collection = get_tagged_collection(tag)
    pks = {p.pk for p in products}
    with transaction.atomic():
        Collection.objects.select_for_update().filter(pk=collection.pk).get()
        leaving = sorted(
            TagMembership.objects.filter(collection=collection, product_id__in=pks).values_list(
                "product_id", flat=True
            )
        )
        TagMembership.objects.filter(collection=collection, product_id__in=leaving).delete()
        _record(collection, leaving, TagChange.Action.REMOVED, timezone.now(), actor, reason)
    return len(leaving)


def _record(collection, product_ids: list[int], action: str, at, actor: Actor, reason: str) -> None:
    """The tag's history: one append-only row per product that joined or left."""
    TagChange.objects.bulk_create(
        TagChange(
            collection=collection, product_id=pk, action=action, at=at, actor=actor.label, reason=reason
        )
        for pk in product_ids
    )


def _refuse_conflicts(collection, joining: list[Product], members, actor: Actor) -> None:
    """One product per type and data id in a tag: a second one is refused, naming the first."""
    keyed = [(p.product_type, p.data_key, p) for p in joining if p.data_key]
    problems, seen = [], {}
    for product_type, key, product in keyed:
        if (product_type, key) in seen:
            problems.append(
                f"{product.path} and {seen[product_type, key].path} are both {product_type} of {key}"
            )
        seen[product_type, key] = product
    if keyed:
        held = members.filter(data_key__in={key for _, key, _ in keyed}).select_related("product")
        for member in held:
            other = seen.get((member.product_type, member.data_key))
            if other is not None:
                problems.append(
                    f"{collection} already holds {member.product.path} as {member.product_type} of "
                    f"{member.data_key}; take it out before adding {other.path}"
                )
    if problems:
        refuse(
            TagConflict(f"tag {collection}: " + "; ".join(problems), details={"problems": problems}),
            actor,
            collection,
        )
