"""Event kinds: every fact the ledger records that changes no state has a kind declared by the app
that records it, so the change log can list and filter them and a misspelt kind fails at once.

An app declares its kinds in its ``events.py`` (imported when the app is ready)::

    FSSC_FILE_LIST = EventKind("fssc_file_list", "FSSC file list sent")
    declare(FSSC_FILE_LIST, ...)

Refusals are recorded as events of their code (a ``Refused`` subclass declares it)."""

from __future__ import annotations

from dataclasses import dataclass

from .refusals import Refused


@dataclass(frozen=True)
class EventKind:
    code: str
    label: str  # what happened, as the change log's filter lists it

    def __str__(self) -> str:
        return self.code


class UndeclaredEvent(ValueError):
    """A kind no app declared: a programming error, never a user's."""


_declared: dict[str, EventKind] = {}


def declare(*kinds: EventKind) -> None:
    for kind in kinds:
        known = _declared.get(kind.code)
        if known is not None and known != kind:
            raise ValueError(
                f"event kind {kind.code!r} is declared twice, as {known.label!r} and {kind.label!r}"
            )
        _declared[kind.code] = kind


def refusal_kinds() -> dict[str, EventKind]:
    """The code of every Refused subclass: the kinds refusals are recorded under."""
    kinds, todo = {}, [Refused]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        label = (cls.__doc__ or cls.__name__).strip().splitlines()[0]
        kinds.setdefault(cls.code, EventKind(cls.code, f"Refused: {label}"))
    return kinds


def declared_kinds() -> list[EventKind]:
    """Every declared kind and refusal code, by label."""
    return sorted({**refusal_kinds(), **_declared}.values(), key=lambda kind: kind.label.lower())


def kind_code(kind: EventKind | str) -> str:
    """The code to record for ``kind``; refuses one nobody declared."""
    code = kind.code if isinstance(kind, EventKind) else kind
    if code not in _declared and code not in refusal_kinds():
        raise UndeclaredEvent(f"event kind {code!r} is not declared: add it to the app's events.py")
    return code


# The kernel's own.
EXECUTION_LOST = EventKind("execution_lost", "Execution lost (its worker died)")
WORK_SENT_AGAIN = EventKind("work_sent_again", "Lost work sent again")
declare(EXECUTION_LOST, WORK_SENT_AGAIN)
