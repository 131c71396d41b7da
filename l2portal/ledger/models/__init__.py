"""What every domain shares: tracked objects with append-only history, executions (provenance),
the outbox of task intents, fan-in counters, and the data registry (instruments, collections,
products, tags, retention rules); the change log over all history; people's table preferences."""

from .chains import chain_links, search_order, search_path
from .changes import Change
from .history import APPEND_ONLY, AppendOnlyError, AppendOnlyModel, LedgerEvent, Tracked, TransitionBase
from .preferences import TablePreference
from .registry import (
    Collection,
    CollectionChild,
    Instrument,
    Product,
    RetentionRule,
    TagChange,
    TagMembership,
    instrument_uuid,
)
from .work import Execution, FanIn, FanInPart, TaskIntent

__all__ = [
    "APPEND_ONLY",
    "AppendOnlyError",
    "AppendOnlyModel",
    "Change",
    "Collection",
    "CollectionChild",
    "Execution",
    "FanIn",
    "FanInPart",
    "Instrument",
    "LedgerEvent",
    "Product",
    "RetentionRule",
    "TablePreference",
    "TagChange",
    "TagMembership",
    "TaskIntent",
    "Tracked",
    "TransitionBase",
    "chain_links",
    "instrument_uuid",
    "search_order",
    "search_path",
]
