"""The ledger's operations, the shared core every domain builds on: the only place where states
change (``transition``), files become products (``write_product``), work goes to the workers
(``enqueue``), roles are checked (``require_role``) and requests are refused (``refuse``)."""

from .actors import Actor
from .enqueue import enqueue, relay_pending, send_intents, tasks_run_in_place
from .events import describe, record_event
from .exchange import (
    EXPORT_FORMAT,
    ImportRefused,
    export_collection,
    export_document,
    import_collection,
    purge_collection,
    purge_expired,
)
from .fan_in import fan_in_open, fan_in_part_done
from .products import (
    ProductPathError,
    absolute_path,
    check_product_path,
    data_root,
    derived_from,
    get_run_collection,
    produced,
    product_path,
    resolve,
    write_product,
)
from .recovery import Recovery, broker_task_ids, mark_lost, reconcile
from .refusing import record_refusal, refuse, require_role
from .steps import StepFailed, run_step
from .transitions import BatchResult, fail, retry, start_step, transition, transition_many

__all__ = [
    "EXPORT_FORMAT",
    "Actor",
    "BatchResult",
    "ImportRefused",
    "ProductPathError",
    "Recovery",
    "StepFailed",
    "absolute_path",
    "broker_task_ids",
    "check_product_path",
    "data_root",
    "derived_from",
    "describe",
    "enqueue",
    "export_collection",
    "export_document",
    "fail",
    "fan_in_open",
    "fan_in_part_done",
    "get_run_collection",
    "import_collection",
    "mark_lost",
    "produced",
    "product_path",
    "purge_collection",
    "purge_expired",
    "reconcile",
    "record_event",
    "record_refusal",
    "refuse",
    "relay_pending",
    "require_role",
    "resolve",
    "retry",
    "run_step",
    "send_intents",
    "start_step",
    "tasks_run_in_place",
    "transition",
    "transition_many",
    "write_product",
]
