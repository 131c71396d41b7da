"""Qualify: programs whose settle period is over are checked against the rules in force and move
to Invertible or Not Invertible; operators re-qualify one program at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from l2portal.ledger.bulk import chunks, set_rows
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor, describe, enqueue, record_event, require_role, transition_many

from .. import task_names
from ..events import PROGRAM_CHANGED
from ..models import Dataset, ObservingProgram
from ..science.grouping import ProgramGroup, group_programs
from ..science.qualify import Qualification, qualify_programs
from ..selectors import current_rules


def _target_state(state: str, invertible: bool) -> str | None:
    if invertible and state in ("discovered", "not_invertible"):
        return "invertible"
    if not invertible and state in ("discovered", "invertible", "preprocessed"):
        return "not_invertible"
    return None


def _reason(qualification: Qualification) -> str:
    if qualification.invertible:
        return "qualified: " + (", ".join(qualification.lines) or "no lines")
    return "; ".join(check.detail or name for name, check in qualification.failed.items())


def qualify_ready_programs(
    actor: Actor, now: datetime | None = None, grouped: Mapping[str, ProgramGroup] | None = None
) -> int:
    """Qualify every program whose datasets changed and whose settle period is over; move it to
    Invertible or Not Invertible (re-qualification on change included). Returns how many."""
    now = now or timezone.now()
    rules, version = current_rules()
    ready = list(
        ObservingProgram.objects.filter(needs_qualification=True, ready_at__lte=now)
        .order_by("pk")
        .values_list("pk", "execution_id", "state")
    )
    for chunk in chunks(ready):
        groups = _groups_of(chunk, grouped or {})
        results = qualify_programs(groups.values(), rules)
        updates, targets = {}, {"invertible": {}, "not_invertible": {}}
        for pk, eid, state in chunk:
            result = results.get(eid)
            if result is None:  # no dataset left at all
                result = Qualification(False, {}, [])
            updates[pk] = {
                "invertible": result.invertible,
                "qualification": result.to_dict(),
                "spectral_lines": list(result.lines),
                "qualified_at": now,
                "rules_version": version[:64],
                "needs_qualification": False,
            }
            target = _target_state(state, result.invertible)
            if target:
                targets[target][pk] = _reason(result)
            elif state == "preprocessed":
                # Still invertible but its datasets changed: fetch and describe them again.
                enqueue(task_names.PREPROCESS_PROGRAM, pk)
            elif state in ("working", "inverted", "error"):
                record_event(
                    PROGRAM_CHANGED,
                    f"{eid}: datasets changed while {state}; re-qualified as "
                    f"{'invertible' if result.invertible else 'not invertible'}",
                    actor,
                    subject=ObservingProgram(pk=pk),
                )
        with transaction.atomic():
            set_rows(ObservingProgram, updates)
            for target, reasons in targets.items():
                if reasons:
                    transition_many(ObservingProgram, (), target, actor, reasons=reasons, rules=version)
    return len(ready)


def _groups_of(chunk, grouped: Mapping[str, ProgramGroup]) -> dict[str, ProgramGroup]:
    groups = {eid: grouped[eid] for _, eid, _ in chunk if eid in grouped}
    missing = [pk for pk, eid, _ in chunk if eid not in groups]
    if missing:
        rows = Dataset.objects.filter(program_id__in=missing)
        groups.update(group_programs(row.to_inventory() for row in rows.iterator()))
    return groups


def requalify(program: ObservingProgram, actor: Actor) -> ObservingProgram:
    """Qualify one program now, settle period or not (operators, e.g. after changing the rules)."""
    require_role(actor, OPERATOR, to=f"re-qualify {describe(program)}", subject=program)
    ObservingProgram.objects.filter(pk=program.pk).update(needs_qualification=True, ready_at=timezone.now())
    qualify_ready_programs(actor)
    program.refresh_from_db()
    return program
