"""Retention rules kept by operators (the admin, the demo): checked, saved, recorded."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from l2portal.registry.models import RetentionRule

from ...ledger.refusals import InvalidRequest
from ...ledger.roles import OPERATOR
from ...ledger.services.actors import Actor
from ...ledger.services.events import record_event
from ...ledger.services.refusing import refuse, require_role
from ..events import RETENTION_RULE_SAVED


class RetentionRuleRefused(InvalidRequest):
    code = "retention_rule_refused"


def save_retention_rule(rule: RetentionRule, actor: Actor) -> RetentionRule:
    """Save a new or changed rule if it is consistent (RetentionRule.clean); the change is an event."""
    require_role(actor, OPERATOR, to=f"change the retention rule {rule.name}")
    try:
        rule.full_clean()
    except ValidationError as error:
        problems = [f"{field}: {'; '.join(messages)}" for field, messages in error.message_dict.items()]
        refuse(RetentionRuleRefused(f"retention rule {rule.name!r} refused: {' | '.join(problems)}"), actor)
    with transaction.atomic():
        created = rule.pk is None
        rule.save()
        keep = rule.get_keep_display().replace("N days", f"{rule.days} days")
        record_event(
            RETENTION_RULE_SAVED,
            f"retention rule {rule.name} {'made' if created else 'changed'}: "
            f"{rule.product_type or 'any type'} in {rule.collection or 'any collection'}: {keep}"
            + (f" ({rule.successor_type})" if rule.successor_type else "")
            + ("" if rule.enabled else " (disabled)"),
            actor,
            subject=rule,
        )
    return rule


def ensure_retention_rule(name: str, actor: Actor, **fields) -> RetentionRule:
    """The rule ``name`` as given, made if missing; an existing one is left as operators set it."""
    existing = RetentionRule.objects.filter(name=name).first()
    return existing or save_retention_rule(RetentionRule(name=name, **fields), actor)
