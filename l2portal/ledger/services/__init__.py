"""The workflow kernel's operations, the core every domain builds on: the only place where states
change (``transition``), work goes to the workers (``enqueue``), steps run (``run_step``), roles
are checked (``require_role``) and requests are refused (``refuse``). Files and their provenance
are the registry's (``l2portal.registry.services``: ``write_product``, ``find_product``)."""

from .actors import Actor
from .enqueue import enqueue, relay_pending, send_intents, tasks_run_in_place
from .events import describe, record_event
from .fan_in import fan_in_open, fan_in_part_done
from .recovery import Recovery, broker_task_ids, mark_lost, reconcile
from .refusing import record_refusal, refuse, require_role
from .steps import StepFailed, run_step
from .transitions import BatchResult, fail, retry, start_step, transition, transition_many

__all__ = [
    "Actor",
    "BatchResult",
    "Recovery",
    "StepFailed",
    "broker_task_ids",
    "describe",
    "enqueue",
    "fail",
    "fan_in_open",
    "fan_in_part_done",
    "mark_lost",
    "reconcile",
    "record_event",
    "record_refusal",
    "refuse",
    "relay_pending",
    "require_role",
    "retry",
    "run_step",
    "send_intents",
    "start_step",
    "tasks_run_in_place",
    "transition",
    "transition_many",
]
