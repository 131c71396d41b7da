"""FT2 campaign operations, one module per use case: FT2 inputs (previous FT2 files, livetime tables), a
run's livetime from its source, the FT2 files of a data run's Level 1, BTI sets, campaigns (define,
start a pass, backfill, finish a pass, release, retry the selected failed runs), the work on one
campaign run, FSSC offers, deliveries and file lists, the switchover. The only place in the FT2
campaigns where states change, roles are checked and tasks are enqueued; the science is in
pipelines.science (magic7, ft2, ft2qa, bti, ...), the read models in pipelines.ft2.selectors."""

from .backfill import BackfillRefused, backfill_campaign
from .bti_sets import BtiRefused, submit_bti_set
from .campaign_retries import NoRunsSelected, RunsNotFailed, UnknownRuns, retry_failed_runs
from .campaign_runs import process_campaign_run
from .campaigns import (
    CampaignError,
    create_campaign,
    finish_campaign_pass,
    pass_key,
    release_campaign,
    start_campaign,
)
from .demo_inputs import generate_demo_livetime, generate_demo_magic7
from .fssc import ChecksumMismatch, ReceiptConflict, report_delivery
from .fssc_files import FileListRefused, record_fssc_files
from .fssc_offers import NoLivetime, offer_run_to_fssc
from .ft2_inputs import InputRefused, Registration, register_input, register_tree
from .level1_ft2 import level1_run
from .switchover import (
    SwitchoverNotReady,
    SwitchoverRefused,
    agree_switchover,
    cancel_switchover,
    complete_switchover,
    propose_switchover,
    record_l1_switch,
)

__all__ = [
    "BackfillRefused",
    "BtiRefused",
    "CampaignError",
    "ChecksumMismatch",
    "FileListRefused",
    "InputRefused",
    "NoLivetime",
    "NoRunsSelected",
    "ReceiptConflict",
    "Registration",
    "RunsNotFailed",
    "SwitchoverNotReady",
    "SwitchoverRefused",
    "UnknownRuns",
    "agree_switchover",
    "backfill_campaign",
    "cancel_switchover",
    "complete_switchover",
    "create_campaign",
    "finish_campaign_pass",
    "generate_demo_livetime",
    "generate_demo_magic7",
    "level1_run",
    "offer_run_to_fssc",
    "pass_key",
    "process_campaign_run",
    "propose_switchover",
    "record_fssc_files",
    "record_l1_switch",
    "register_input",
    "register_tree",
    "release_campaign",
    "report_delivery",
    "retry_failed_runs",
    "start_campaign",
    "submit_bti_set",
]
