"""Pipelines operations, one module per use case: FT2 inputs (magic7, previous FT2 files, livetime
tables), BTI sets, campaigns (define, start a pass, backfill, finish a pass, release, retry the
selected failed runs), the work on one campaign run, FSSC offers, deliveries and file lists, the
switchover and downlink processing (HalfPipe: ingest, chunk decoding, merge plan, run merges,
Level 1, online notification, staging purge). The only place in the app where states change, roles
are checked and tasks are enqueued; the science is in the pure modules (magic7, ft2, ft2qa, bti,
rawchunk, eventmerge, ...), the read models in pipelines.selectors."""

from .backfill import backfill_campaign
from .bti_sets import BtiRefused, submit_bti_set
from .campaign_retries import RunsNotFailed, retry_failed_runs
from .campaign_runs import process_campaign_run
from .campaigns import (
    CampaignError,
    create_campaign,
    finish_campaign_pass,
    pass_key,
    release_campaign,
    start_campaign,
)
from .chunks import decode_chunk
from .demo_inputs import generate_demo_livetime, generate_demo_magic7
from .downlinks import DownlinkRefused, ingest_downlink
from .fssc import ChecksumMismatch, report_delivery
from .fssc_files import FileListRefused, record_fssc_files
from .fssc_offers import NoLivetime, offer_run_to_fssc
from .ft2_inputs import InputRefused, Registration, register_input, register_tree
from .level1 import level1_run
from .magic7 import Magic7Refused, latest_magic7, magic7_collection, register_magic7
from .merge_plan import advance_downlink
from .online import notify_online
from .run_merges import merge_run
from .staging import expired_staging_files, purge_staging
from .switchover import (
    SwitchoverNotReady,
    agree_switchover,
    cancel_switchover,
    complete_switchover,
    propose_switchover,
    record_l1_switch,
)

__all__ = [
    "BtiRefused",
    "CampaignError",
    "ChecksumMismatch",
    "DownlinkRefused",
    "FileListRefused",
    "InputRefused",
    "Magic7Refused",
    "NoLivetime",
    "Registration",
    "RunsNotFailed",
    "SwitchoverNotReady",
    "advance_downlink",
    "agree_switchover",
    "backfill_campaign",
    "cancel_switchover",
    "complete_switchover",
    "create_campaign",
    "decode_chunk",
    "expired_staging_files",
    "finish_campaign_pass",
    "generate_demo_livetime",
    "generate_demo_magic7",
    "ingest_downlink",
    "latest_magic7",
    "level1_run",
    "magic7_collection",
    "merge_run",
    "notify_online",
    "offer_run_to_fssc",
    "pass_key",
    "process_campaign_run",
    "propose_switchover",
    "purge_staging",
    "record_fssc_files",
    "record_l1_switch",
    "register_input",
    "register_magic7",
    "register_tree",
    "release_campaign",
    "report_delivery",
    "retry_failed_runs",
    "start_campaign",
    "submit_bti_set",
]
