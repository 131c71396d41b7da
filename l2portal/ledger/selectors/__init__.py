"""Read models of every tracked object: why it failed, its timeline, what runs for it now. Queries
are per page or per object, never per row."""

from .objects import Failure, TimelineEntry, failure_of, running_execution, timeline, with_failure_reasons

__all__ = [
    "Failure",
    "TimelineEntry",
    "failure_of",
    "running_execution",
    "timeline",
    "with_failure_reasons",
]
