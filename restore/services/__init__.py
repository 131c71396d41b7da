"""MOUS restores, step by step: the only place where a restore request changes state.

requested --check--> checked | not_restorable --stage--> staged --prepare--> prepared --run--> running
--> restored; any step may fail (Error, retried by an operator from the step that failed) and any
request that has not ended may be cancelled. Each step is a task on the ``restore`` queue
(restore.tasks), run through the ledger's step runner, and is idempotent: it acts only from the
state it expects. A running restore whose watching task died gets a new watcher (send_watchers).
"""

from .check import check
from .notify import notify_requester
from .prepare import prepare
from .request import (
    REQUESTER_ROLES,
    RestoreDuplicate,
    RestoreParametersRefused,
    RestoreRefused,
    cancel,
    may_cancel,
    request_restore,
    software,
)
from .run import run, start_waiting
from .stage import stage
from .steps import STEP_ERRORS, fail, run_restore_step
from .watch import send_watchers, watcher_lost

__all__ = [
    "REQUESTER_ROLES",
    "STEP_ERRORS",
    "RestoreDuplicate",
    "RestoreParametersRefused",
    "RestoreRefused",
    "cancel",
    "check",
    "fail",
    "may_cancel",
    "notify_requester",
    "prepare",
    "request_restore",
    "run",
    "run_restore_step",
    "send_watchers",
    "software",
    "stage",
    "start_waiting",
    "watcher_lost",
]
