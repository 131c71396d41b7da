"""CHAINED collections read as search paths: every link below a chain in one recursive query."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .registry import Collection, CollectionChild

MAX_CHAIN_DEPTH = 32  # a bound on the recursion, whatever the links say


def chain_links(roots: Iterable[int]) -> list[tuple[int, int, int, str]]:
    """(parent, child, position, the child's kind) of every link below ``roots``, in one query."""
    roots = list(roots)
    if not roots:
        return []
    table = connection.ops.quote_name(CollectionChild._meta.db_table)
    collections = connection.ops.quote_name(Collection._meta.db_table)
    marks = ", ".join(["%s"] * len(roots))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE tree(parent_id, child_id, position, depth) AS (
                SELECT parent_id, child_id, position, 1 FROM {table} WHERE parent_id IN ({marks})
                UNION
                SELECT link.parent_id, link.child_id, link.position, tree.depth + 1
                FROM {table} AS link JOIN tree ON link.parent_id = tree.child_id
                WHERE tree.depth < %s
            )
            SELECT DISTINCT tree.parent_id, tree.child_id, tree.position, child.kind
            FROM tree JOIN {collections} AS child ON child.id = tree.child_id
            """,
            [*roots, MAX_CHAIN_DEPTH],
        )
        return cursor.fetchall()


def search_order(pk: int, kind: str) -> list[tuple[int, str]]:
    """(pk, kind) of the RUN and TAGGED collections the collection ``pk`` searches, in order:
    itself, or a chain's children depth first, each once (its first place counts). One query."""
    if kind != Collection.Kind.CHAINED:
        return [(pk, kind)]
    children: dict[int, list[tuple[int, int, str]]] = {}
    for parent, child, position, child_kind in chain_links([pk]):
        children.setdefault(parent, []).append((position, child, child_kind))
    order: list[tuple[int, str]] = []
    seen: set[int] = set()

    def walk(parent: int) -> None:
        for _, child, child_kind in sorted(children.get(parent, ())):
            if child in seen:
                continue
            seen.add(child)
            if child_kind == Collection.Kind.CHAINED:
                walk(child)
            else:
                order.append((child, child_kind))

    walk(pk)
    return order


def search_path(collection: Collection) -> list[Collection]:
    """The RUN and TAGGED collections ``collection`` searches, in order (see search_order)."""
    if collection.kind != Collection.Kind.CHAINED:
        return [collection]
    order = search_order(collection.pk, collection.kind)
    found = Collection.objects.in_bulk([pk for pk, _ in order])
    return [found[pk] for pk, _ in order]
