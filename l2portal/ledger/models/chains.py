"""CHAINED collections read as search paths: every link below a chain in one recursive query."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .registry import Collection, CollectionChild

MAX_CHAIN_DEPTH = 32  # a bound on the recursion, whatever the links say


def chain_links(roots: Iterable[int]) -> list[tuple[int, int, int]]:
    """(parent, child, position) of every link below ``roots``, in one query."""
    roots = list(roots)
    if not roots:
        return []
    table = connection.ops.quote_name(CollectionChild._meta.db_table)
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
            SELECT DISTINCT parent_id, child_id, position FROM tree
            """,
            [*roots, MAX_CHAIN_DEPTH],
        )
        return cursor.fetchall()


def search_path(collection: Collection) -> list[Collection]:
    """The RUN and TAGGED collections ``collection`` searches, in order: itself, or a chain's
    children depth first, each once (its first place counts)."""
    if collection.kind != Collection.Kind.CHAINED:
        return [collection]
    links = chain_links([collection.pk])
    children: dict[int, list[tuple[int, int]]] = {}
    for parent, child, position in links:
        children.setdefault(parent, []).append((position, child))
    found = Collection.objects.in_bulk({child for _, child, _ in links})
    order: list[Collection] = []
    seen: set[int] = set()

    def walk(pk: int) -> None:
        for _, child in sorted(children.get(pk, ())):
            if child in seen:
                continue
            seen.add(child)
            if found[child].kind == Collection.Kind.CHAINED:
                walk(child)
            else:
                order.append(found[child])

    walk(collection.pk)
    return order
