"""The ledger's operations, the shared core every domain builds on: the only place where states
change (``transition``), files become products (``write_product``), work goes to the workers
(``enqueue``), roles are checked (``require_role``) and requests are refused (``refuse``).

The data registry, for the domains: ``write_product(..., instrument="LAT", data_id={"run": r})``
registers a product with its instrument and data id; ``find_product("FT2/current", "ft2_1s",
"LAT", {"run": r})`` finds an input through a chain; ``tag_products`` / ``untag_products`` keep
TAGGED collections; ``set_chain`` / ``prepend_to_chain`` keep CHAINED ones."""

from ..models import search_path as resolve  # the collections a name stands for, in search order
from .actors import Actor
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
from .enqueue import enqueue, relay_pending, send_intents, tasks_run_in_place
from .events import describe, record_event
from .export import export_collection, export_document, export_registry, registry_document
from .fan_in import fan_in_open, fan_in_part_done
from .importing import ImportRefused, ImportResult, import_collection, import_registry
from .instruments import DataIdRefused, InstrumentRefused, data_key, register_instrument, seed_instruments
from .preferences import TableRefused, choose_table_columns, reset_table_columns
from .products import (
    ProductConflict,
    ProductPathError,
    absolute_path,
    check_product_path,
    data_root,
    derived_from,
    produced,
    product_path,
    versioned_path,
    write_product,
)
from .recovery import Recovery, broker_task_ids, mark_lost, reconcile
from .refusing import record_refusal, refuse, require_role
from .retention import PurgePlan, purge_collection, purge_expired, purge_plan
from .retention_rules import RetentionRuleRefused, ensure_retention_rule, save_retention_rule
from .steps import StepFailed, run_step
from .tags import TagConflict, tag_products, untag_products
from .transitions import BatchResult, fail, retry, start_step, transition, transition_many

__all__ = [
    "Actor",
    "BatchResult",
    "CollectionCycle",
    "CollectionRefused",
    "DataIdRefused",
    "ImportRefused",
    "ImportResult",
    "InstrumentRefused",
    "ProductConflict",
    "ProductPathError",
    "PurgePlan",
    "Recovery",
    "RetentionRuleRefused",
    "StepFailed",
    "TableRefused",
    "TagConflict",
    "absolute_path",
    "broker_task_ids",
    "check_product_path",
    "choose_table_columns",
    "collection_named",
    "data_key",
    "data_root",
    "derived_from",
    "describe",
    "enqueue",
    "ensure_retention_rule",
    "export_collection",
    "export_document",
    "export_registry",
    "fail",
    "fan_in_open",
    "fan_in_part_done",
    "find_product",
    "get_run_collection",
    "get_tagged_collection",
    "import_collection",
    "import_registry",
    "mark_lost",
    "prepend_to_chain",
    "produced",
    "product_path",
    "purge_collection",
    "purge_expired",
    "purge_plan",
    "reconcile",
    "record_event",
    "record_refusal",
    "refuse",
    "register_instrument",
    "registry_document",
    "relay_pending",
    "require_role",
    "reset_table_columns",
    "resolve",
    "retry",
    "run_step",
    "save_retention_rule",
    "seed_instruments",
    "send_intents",
    "set_chain",
    "start_step",
    "tag_products",
    "tasks_run_in_place",
    "transition",
    "transition_many",
    "untag_products",
    "versioned_path",
    "write_product",
]
