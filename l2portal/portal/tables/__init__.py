"""Tables for every list of the portal (django-tables2, as NetBox uses it): PortalTable, the
columns domains share, and portal_table() to build one for a request. CONTRIBUTING.md shows how a
domain list adopts them."""

from .base import PortalTable, row_state, table_named
from .columns import (
    DurationColumn,
    ExecutionColumn,
    LongTextColumn,
    ObjectColumn,
    ProductColumn,
    RunStatusColumn,
    StateColumn,
    SubjectColumn,
    TimeColumn,
)
from .configure import portal_table

__all__ = [
    "DurationColumn",
    "ExecutionColumn",
    "LongTextColumn",
    "ObjectColumn",
    "PortalTable",
    "ProductColumn",
    "RunStatusColumn",
    "StateColumn",
    "SubjectColumn",
    "TimeColumn",
    "portal_table",
    "row_state",
    "table_named",
]
