"""The data registry's state (after LSST's Butler): instruments, RUN / TAGGED / CHAINED collections,
products with their checksums and data ids, tags and retention rules. Their tables keep the Django
app label ``ledger`` they were created under (its migrations hold their history), so moving them
here rewrote no data."""

from .chains import chain_links, search_order, search_path
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

__all__ = [
    "Collection",
    "CollectionChild",
    "Instrument",
    "Product",
    "RetentionRule",
    "TagChange",
    "TagMembership",
    "chain_links",
    "instrument_uuid",
    "search_order",
    "search_path",
]
