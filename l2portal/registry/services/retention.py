"""Retention (the LSST Gen3 Butler notes: purge to keep the registry small, a datastore with expiration):
files go when a rule says so; their rows and provenance stay, marked purged.

Each enabled rule finds the products it makes due in one query; a product is purged when the most
specific rule that matches it (type and collection, then type, then collection) is one that made it
due, and no "never" rule matches it. A product an unfinished task is reading is never purged.
Products of a collection past its ``expires_at`` are due too. Products are marked in a transaction
and their files removed after it commits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from l2portal.ledger.models import Execution
from l2portal.registry.models import Collection, Product, RetentionRule, TagMembership

from ...ledger.bulk import chunks
from ...ledger.conf import data_root
from ...ledger.services.actors import Actor
from ...ledger.services.events import record_event
from ..events import PRODUCTS_PURGED

Consumes = Execution.inputs.through
EXPIRED = "collection expired"


@dataclass
class PurgePlan:
    """What a purge removes (or would, for a dry run): paths per reason (a rule's name)."""

    by_reason: dict[str, list[str]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(paths) for paths in self.by_reason.values())

    def lines(self) -> list[str]:
        return [f"{reason}: {path}" for reason, paths in sorted(self.by_reason.items()) for path in paths]


def _in_use() -> Exists:
    """Read by a task that has not finished."""
    return Exists(
        Consumes.objects.filter(product_id=OuterRef("pk"), execution__status=Execution.Status.RUNNING)
    )


def due_by_rule(rule: RetentionRule, now: datetime) -> QuerySet:
    """Present products ``rule`` makes due now (ignoring more specific rules)."""
    products = Product.objects.filter(status=Product.Status.PRESENT)
    if rule.product_type:
        products = products.filter(product_type=rule.product_type)
    if rule.collection_id and rule.collection.kind == Collection.Kind.TAGGED:
        products = products.filter(
            Exists(TagMembership.objects.filter(collection_id=rule.collection_id, product_id=OuterRef("pk")))
        )
    elif rule.collection_id:
        products = products.filter(collection_id=rule.collection_id)
    cutoff = now - timedelta(days=rule.days)
    if rule.keep == RetentionRule.Keep.AFTER_CREATED:
        return products.filter(created_at__lte=cutoff)
    if rule.keep == RetentionRule.Keep.AFTER_CONSUMERS:
        # Every task that read it finished (at least one did), the last one ``days`` ago.
        return products.annotate(
            last_read=Max("consumed_by__finished_at"),
            unfinished=Count("consumed_by", filter=Q(consumed_by__finished_at__isnull=True)),
        ).filter(last_read__lte=cutoff, unfinished=0)
    if rule.keep == RetentionRule.Keep.AFTER_SUCCESSOR:
        successors = Product.objects.filter(
            product_type=rule.successor_type, produced_by__inputs=OuterRef("pk"), created_at__lte=cutoff
        )
        return products.filter(Exists(successors))
    return products.none()


def _winning_rules(
    candidates: dict[int, tuple[str, int]], rules: list[RetentionRule]
) -> tuple[dict[int, RetentionRule], set[int]]:
    """Per candidate product (pk -> type, collection): the rule that decides for it, and the
    products a "never" rule protects."""
    tagged = [
        r.collection_id for r in rules if r.collection_id and r.collection.kind == Collection.Kind.TAGGED
    ]
    tags: dict[int, set[int]] = defaultdict(set)
    for part in chunks(list(candidates)):
        for product_id, collection_id in TagMembership.objects.filter(
            product_id__in=part, collection_id__in=tagged
        ).values_list("product_id", "collection_id"):
            tags[product_id].add(collection_id)
    decided, protected = {}, set()
    for pk, (product_type, collection_id) in candidates.items():
        matching = [
            rule
            for rule in rules
            if rule.product_type in ("", product_type)
            and rule.collection_id in (None, collection_id, *tags[pk])
        ]
        if any(rule.keep == RetentionRule.Keep.FOREVER for rule in matching):
            protected.add(pk)
        elif matching:
            decided[pk] = max(matching, key=lambda rule: (rule.specificity, -rule.pk))
    return decided, protected


def purge_plan(now: datetime | None = None) -> tuple[PurgePlan, dict[str, list[int]]]:
    """The products due now, by reason, with their pks."""
    now = now or timezone.now()
    rules = list(RetentionRule.objects.filter(enabled=True).select_related("collection").order_by("pk"))
    due: dict[int, set[str]] = defaultdict(set)
    for rule in rules:
        for pk in due_by_rule(rule, now).filter(~_in_use()).values_list("pk", flat=True):
            due[pk].add(rule.name)
    expired = Product.objects.filter(status=Product.Status.PRESENT, collection__expires_at__lte=now).filter(
        ~_in_use()
    )
    for pk in expired.values_list("pk", flat=True):
        due[pk].add(EXPIRED)
    candidates = {}
    for part in chunks(list(due)):
        candidates.update(
            (pk, (product_type, collection_id))
            for pk, product_type, collection_id in Product.objects.filter(pk__in=part).values_list(
                "pk", "product_type", "collection_id"
            )
        )
    decided, protected = _winning_rules(candidates, rules)
    pks: dict[str, list[int]] = defaultdict(list)
    for pk, reasons in due.items():
        rule = decided.get(pk)
        if rule is not None and rule.name in reasons:
            pks[rule.name].append(pk)
        elif EXPIRED in reasons and pk not in protected:
            pks[EXPIRED].append(pk)
    plan = PurgePlan()
    for reason, ids in pks.items():
        plan.by_reason[reason] = sorted(
            path
            for part in chunks(ids)
            for path in Product.objects.filter(pk__in=part).values_list("path", flat=True)
        )
    return plan, dict(pks)


def purge_expired(actor: Actor, now: datetime | None = None, *, dry_run: bool = False) -> PurgePlan:
    """Apply the retention rules (the hourly task and ``manage.py purge``). A dry run changes nothing."""
    plan, pks = purge_plan(now)
    if dry_run or not plan.count:
        return plan
    done = PurgePlan()
    for reason, ids in pks.items():
        for part in chunks(ids):
            paths = _purge(part, actor, reason)
            done.by_reason.setdefault(reason, []).extend(paths)
    return done


def _purge(pks, actor: Actor, reason: str) -> list[str]:
    """Mark ``pks`` purged (those still present and not being read, locked), delete their files
    once that has committed."""
    with transaction.atomic():
        rows = Product.objects.select_for_update(skip_locked=True).filter(
            pk__in=pks, status=Product.Status.PRESENT
        )
        rows = list(rows.filter(~_in_use()).values_list("pk", "path"))
        if not rows:
            return []
        Product.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            status=Product.Status.PURGED, purged_at=timezone.now(), purge_reason=reason[:255]
        )
        paths = sorted(path for _, path in rows)
        record_event(
            PRODUCTS_PURGED,
            f"{len(paths)} products purged ({reason}); their rows and provenance stay",
            actor,
            reason=reason,
            paths=paths[:100],
        )
        transaction.on_commit(lambda: _delete(paths))
    return paths


def _delete(paths: list[str]) -> None:
    root = data_root()
    for relative in paths:
        (root / relative).unlink(missing_ok=True)


def purge_collection(collection: Collection, actor: Actor, reason: str) -> int:
    """Purge every present product of a collection now (an operator's decision, not a rule)."""
    pks = list(collection.products.filter(status=Product.Status.PRESENT).values_list("pk", flat=True))
    return sum(len(_purge(part, actor, f"{collection}: {reason}")) for part in chunks(pks))
