"""The registry's event kinds (see l2portal.ledger.events)."""

from l2portal.ledger.events import EventKind, declare

CHAIN_DEFINED = EventKind("chain_defined", "Chain defined")
DATA_ROOT_DIFFERS = EventKind("data_root_differs", "Data root differs from the registry")
INPUT_CHANGED = EventKind("input_changed", "Input differs from its registration")
INSTRUMENT_REGISTERED = EventKind("instrument_registered", "Instrument registered")
ORPHAN_REPLACED = EventKind("orphan_replaced", "Unregistered file replaced")
PRODUCT_FILE_MISSING = EventKind("product_file_missing", "Product file missing")
PRODUCT_REWRITTEN = EventKind("product_rewritten", "Lost product file written again")
PRODUCT_VERSION_WRITTEN = EventKind("product_version_written", "New product version written")
PRODUCTS_PURGED = EventKind("products_purged", "Products purged")
REGISTRY_IMPORTED = EventKind("registry_imported", "Registry imported")
RETENTION_RULE_SAVED = EventKind("retention_rule_saved", "Retention rule saved")

declare(
    CHAIN_DEFINED,
    DATA_ROOT_DIFFERS,
    INPUT_CHANGED,
    INSTRUMENT_REGISTERED,
    ORPHAN_REPLACED,
    PRODUCT_FILE_MISSING,
    PRODUCT_REWRITTEN,
    PRODUCT_VERSION_WRITTEN,
    PRODUCTS_PURGED,
    REGISTRY_IMPORTED,
    RETENTION_RULE_SAVED,
)
