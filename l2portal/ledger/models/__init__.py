"""The workflow kernel's state: tracked objects with append-only history, executions (provenance
recorded as it happens), the outbox of task intents, fan-in counters, and the change log over all
history. The registry's models (products, collections, instruments) are ``l2portal.registry.models``."""

from .changes import Change
from .history import APPEND_ONLY, AppendOnlyError, AppendOnlyModel, LedgerEvent, Tracked, TransitionBase
from .work import Execution, FanIn, FanInPart, TaskIntent

__all__ = [
    "APPEND_ONLY",
    "AppendOnlyError",
    "AppendOnlyModel",
    "Change",
    "Execution",
    "FanIn",
    "FanInPart",
    "LedgerEvent",
    "TaskIntent",
    "Tracked",
    "TransitionBase",
]
