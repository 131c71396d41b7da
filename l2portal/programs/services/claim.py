"""Who works on a program: scientists claim and release it, operators reassign it, set its
priority in the queue; staff write notes on it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from l2portal.ledger.refusals import InvalidRequest, NotPermitted, Refused
from l2portal.ledger.roles import OPERATOR, SCIENTIST, has_role
from l2portal.ledger.services import Actor, describe, record_event, refuse, require_role, transition

from ..events import NOTES_CHANGED, PROGRAM_REASSIGNED
from ..models import ObservingProgram
from ..refusals import ActionRefused


class ClaimRefused(Refused):
    """The program cannot be claimed: someone owns it already, or it is not Preprocessed (409)."""

    code = "claim_refused"


class NotesRefused(NotPermitted):
    """Only the scientist who claimed a program, and operators, write its notes (HTTP 403)."""

    code = "notes_refused"


def owns(program: ObservingProgram, actor: Actor) -> bool:
    """``actor`` is the person who claimed ``program``."""
    return actor.is_person and program.owner_id is not None and program.owner_id == actor.user.pk


def claim(program: ObservingProgram, actor: Actor) -> ObservingProgram:
    """A scientist takes a preprocessed program: exactly one wins however many try at once (the
    conditional UPDATE locks the row; the others find an owner and are refused)."""
    require_role(actor, SCIENTIST, to=f"claim {describe(program)}", subject=program)
    if not actor.is_person:
        refuse(
            InvalidRequest(f"{actor.label} cannot claim {program}: a scientist owns a claimed program"),
            actor,
            program,
        )
    user = actor.user
    with transaction.atomic():
        won = ObservingProgram.objects.filter(pk=program.pk, state="preprocessed", owner__isnull=True).update(
            owner=user
        )
        if won:
            transition(program, "working", actor, "claimed", owner=user.get_username())
    if not won:
        current = ObservingProgram.objects.select_related("owner").get(pk=program.pk)
        why = (
            f"already claimed by {current.owner.get_username()}; an operator can reassign it"
            if current.owner_id
            else f"it is {current.state_label}, not Preprocessed"
        )
        refuse(
            ClaimRefused(f"cannot claim {program}: {why}", details={"state": current.state}), actor, program
        )
    program.owner = user
    return program


def release(program: ObservingProgram, actor: Actor) -> ObservingProgram:
    """The owner (or an operator) gives a working program back to the queue."""
    if not owns(program, actor):
        require_role(
            actor, OPERATOR, to=f"release {describe(program)}, claimed by someone else", subject=program
        )
    with transaction.atomic():
        released = ObservingProgram.objects.filter(pk=program.pk, state="working").update(owner=None)
        if released:
            transition(program, "preprocessed", actor, "released")
    if not released:
        refuse(
            ActionRefused(f"{program} is {program.state_label}, not Working: there is no claim to release"),
            actor,
            program,
        )
    program.owner = None
    return program


def reassign(program: ObservingProgram, username: str, actor: Actor) -> ObservingProgram:
    """Operators give a preprocessed or working program to a scientist."""
    require_role(actor, OPERATOR, to=f"reassign {describe(program)}", subject=program)
    new_owner = get_user_model().objects.filter(username=username).first()
    if new_owner is None or not has_role(new_owner, SCIENTIST):
        refuse(
            InvalidRequest(f"{username!r} is not a scientist; name a scientist's user name"), actor, program
        )
    with transaction.atomic():
        current = ObservingProgram.objects.select_for_update().get(pk=program.pk)
        if current.state not in ("preprocessed", "working"):
            moved = None
        else:
            ObservingProgram.objects.filter(pk=program.pk).update(owner=new_owner)
            moved = current.state
            if current.state == "preprocessed":
                transition(program, "working", actor, f"assigned to {username}", owner=username)
            else:
                record_event(
                    PROGRAM_REASSIGNED,
                    f"{program} reassigned to {username}",
                    actor,
                    subject=program,
                    previous_owner_id=current.owner_id,
                )
    if moved is None:
        refuse(
            ActionRefused(
                f"{program} is {current.state_label}; only Preprocessed or Working programs are assigned"
            ),
            actor,
            program,
        )
    program.owner = new_owner
    return program


def set_priority(program: ObservingProgram, priority: int, actor: Actor) -> ObservingProgram:
    """Operators order the scientists' queue: higher comes first."""
    require_role(actor, OPERATOR, to=f"set the priority of {describe(program)}", subject=program)
    ObservingProgram.objects.filter(pk=program.pk).update(priority=priority)
    program.priority = priority
    return program


def set_notes(program: ObservingProgram, notes: str, actor: Actor) -> ObservingProgram:
    """The scientist who claimed ``program`` and operators write its notes; each change is kept in
    its history (the event holds the notes as they were before)."""
    if not (owns(program, actor) or actor.has_role(OPERATOR)):
        whose = f"{program.owner} claimed it" if program.owner_id else "nobody has claimed it"
        refuse(
            NotesRefused(
                f"only the scientist who claimed {describe(program)} and operators write its notes "
                f"({whose}); ask them, or an operator"
            ),
            actor,
            program,
        )
    with transaction.atomic():
        before = (
            ObservingProgram.objects.select_for_update().values_list("notes", flat=True).get(pk=program.pk)
        )
        if before != notes:
            ObservingProgram.objects.filter(pk=program.pk).update(notes=notes)
            record_event(
                NOTES_CHANGED,
                f"notes of {program} changed",
                actor,
                subject=program,
                before=before,
                after=notes,
            )
    program.notes = notes
    return program
