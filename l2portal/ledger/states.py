"""State machines: each tracked model declares its states and allowed moves here, in one place.

Pure Python (no Django); the ledger's transition() service enforces the declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .refusals import Refused

ERROR = "error"


class TransitionNotAllowed(Refused):
    """A move the object's state machine does not allow. The object is left untouched."""

    code = "transition_refused"

    def __init__(self, subject: str, from_state: str, to_state: str, why: str = ""):
        self.subject, self.from_state, self.to_state = subject, from_state, to_state
        message = f"{subject}: cannot move from '{from_state}' to '{to_state}'"
        super().__init__(
            f"{message} ({why})" if why else message,
            details={"from_state": from_state, "to_state": to_state},
        )


@dataclass(frozen=True)
class StateMachine:
    """States (value, label) in display order, the initial state and the allowed moves.

    Every state except the final ones may move to ``error``; from ``error`` the only way out is a
    retry back to the state the object failed in (see ledger.services.retry).
    """

    states: tuple[tuple[str, str], ...]
    initial: str
    moves: dict[str, tuple[str, ...]]
    final: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        names = self.names
        if ERROR not in names:
            raise ValueError("every state machine has an 'error' state")
        unknown = {self.initial, *self.final} - names
        for source, targets in self.moves.items():
            unknown |= ({source, *targets}) - names
        if unknown:
            raise ValueError(f"moves name unknown states: {sorted(unknown)}")
        sources = {name: tuple(s for s, targets in self.moves.items() if name in targets) for name in names}
        sources[ERROR] = tuple(value for value, _ in self.states if self.can_fail(value))
        object.__setattr__(self, "_sources", sources)

    @property
    def names(self) -> set[str]:
        return {value for value, _ in self.states}

    def label(self, state: str) -> str:
        return dict(self.states).get(state, state)

    def can_fail(self, from_state: str) -> bool:
        return from_state != ERROR and from_state not in self.final

    def sources(self, to_state: str) -> tuple[str, ...]:
        """The states from which ``to_state`` may be reached (empty for an unknown state)."""
        return self._sources.get(to_state, ())

    def refusal(self, subject: str, from_state: str, to_state: str) -> TransitionNotAllowed | None:
        """Why the move is not allowed, or None if it is."""
        if to_state not in self.names:
            return TransitionNotAllowed(subject, from_state, to_state, "unknown state")
        if to_state == ERROR:
            if self.can_fail(from_state):
                return None
            return TransitionNotAllowed(subject, from_state, to_state, f"'{from_state}' is final")
        if from_state == ERROR:
            return TransitionNotAllowed(subject, from_state, to_state, "leave 'error' with a retry")
        if to_state not in self.moves.get(from_state, ()):
            allowed = ", ".join(self.moves.get(from_state, ())) or "none"
            return TransitionNotAllowed(subject, from_state, to_state, f"allowed from here: {allowed}")
        return None
