"""The portal's filters where the settings (DEFAULT_FILTER_BACKENDS) and the domains' filter sets
name them. They live in l2portal.portal.filtering, below every layer, so that the ledger's own
filter sets (which pages share with the API) use them too."""

from ..filtering import (
    BIGINT,
    BooleanFilter,
    IntegerFilter,
    IsoDateTimeFilter,
    PortalFilterBackend,
    PortalFilterSet,
)

__all__ = [
    "BIGINT",
    "BooleanFilter",
    "IntegerFilter",
    "IsoDateTimeFilter",
    "PortalFilterBackend",
    "PortalFilterSet",
]
