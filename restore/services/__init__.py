"""MOUS restores, step by step: the only place where a restore request changes state.

requested --check--> checked | not_restorable --stage--> staged --prepare--> prepared --run--> running
--> restored; any step may fail (Error, retried by an operator from the step that failed) and any
request that has not ended may be cancelled. Each step is a task on the ``restore`` queue
(restore.tasks) and is idempotent: it acts only from the state it expects.
"""

from .check import check
from .notify import notify_requester
from .prepare import prepare
from .request import REQUESTER_ROLES, RestoreRefused, cancel, may_cancel, request_restore
from .run import run, start_waiting
from .stage import stage
from .steps import StepFailed, fail, run_step

__all__ = [
    "REQUESTER_ROLES",
    "RestoreRefused",
    "StepFailed",
    "cancel",
    "check",
    "fail",
    "may_cancel",
    "notify_requester",
    "prepare",
    "request_restore",
    "run",
    "run_step",
    "stage",
    "start_waiting",
]
