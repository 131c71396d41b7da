"""The data registry's operations (after LSST's Butler): files become products with their
checksum, instrument and data id (``write_product(..., instrument="LAT", data_id={"run": r})``),
inputs are found along a chain (``find_product("FT2/current", "ft2_1s", "LAT", {"run": r})``),
TAGGED collections kept with ``tag_products`` / ``untag_products``, CHAINED ones with
``set_chain`` / ``prepend_to_chain``; export, import and retention. It builds on the ledger's
kernel (``l2portal.ledger.services``), never the reverse."""

from ...ledger.conf import data_root
from ..models import search_path as resolve  # the collections a name stands for, in search order
from .collections import (
    CollectionCycle,
    CollectionRefused,
    collection_named,
    find_product,
    get_run_collection,
    get_tagged_collection,
    prepend_to_chain,
    set_chain,
)
from .export import export_collection, export_document, export_registry, registry_document
from .importing import ImportRefused, ImportResult, import_collection, import_registry
from .instruments import DataIdRefused, InstrumentRefused, data_key, register_instrument, seed_instruments
from .products import (
    ProductPathError,
    absolute_path,
    check_product_path,
    derived_from,
    file_problem,
    produced,
    product_path,
    versioned_path,
)
from .retention import PurgePlan, purge_collection, purge_expired, purge_plan
from .retention_rules import RetentionRuleRefused, ensure_retention_rule, save_retention_rule
from .tags import TagConflict, tag_products, untag_products
from .verification import DataRootCheck, verify_data_root
from .verifying import InputChanged, copy_damaged, verify_file, verify_inputs
from .writing import ProductConflict, write_product

__all__ = [
    "CollectionCycle",
    "CollectionRefused",
    "DataIdRefused",
    "DataRootCheck",
    "ImportRefused",
    "ImportResult",
    "InputChanged",
    "InstrumentRefused",
    "ProductConflict",
    "ProductPathError",
    "PurgePlan",
    "RetentionRuleRefused",
    "TagConflict",
    "absolute_path",
    "check_product_path",
    "collection_named",
    "copy_damaged",
    "data_key",
    "data_root",
    "derived_from",
    "ensure_retention_rule",
    "export_collection",
    "export_document",
    "export_registry",
    "file_problem",
    "find_product",
    "get_run_collection",
    "get_tagged_collection",
    "import_collection",
    "import_registry",
    "prepend_to_chain",
    "produced",
    "product_path",
    "purge_collection",
    "purge_expired",
    "purge_plan",
    "register_instrument",
    "registry_document",
    "resolve",
    "save_retention_rule",
    "seed_instruments",
    "set_chain",
    "tag_products",
    "untag_products",
    "verify_data_root",
    "verify_file",
    "verify_inputs",
    "versioned_path",
    "write_product",
]
