"""Pipelines operations, one module per use case: magic7 inputs, BTI sets, campaigns (define,
start a pass, finish it, release), the work on one campaign run, FSSC deliveries, the switchover
and downlink processing (HalfPipe: ingest, chunk decoding, merge plan, run merges, Level 1,
online notification, staging purge). The only place in the app where states change, roles are
checked and tasks are enqueued; the science is in the pure modules (magic7, ft2, ft2qa, bti,
rawchunk, eventmerge, ...), the read models in pipelines.selectors."""

from .bti_sets import BtiRefused, submit_bti_set
from .campaign_runs import RunFailed, process_campaign_run
from .campaigns import (
    CampaignError,
    create_campaign,
    finish_campaign_pass,
    pass_key,
    release_campaign,
    start_campaign,
)
from .chunks import decode_chunk
from .downlinks import DownlinkRefused, ingest_downlink
from .fssc import ChecksumMismatch, report_delivery
from .level1 import level1_run
from .magic7 import Magic7Refused, generate_demo_magic7, latest_magic7, magic7_collection, register_magic7
from .merge_plan import advance_downlink
from .online import notify_online
from .run_merges import merge_run
from .staging import expired_staging_files, purge_staging
from .switchover import agree_switchover, cancel_switchover, complete_switchover, propose_switchover

__all__ = [
    "BtiRefused",
    "CampaignError",
    "ChecksumMismatch",
    "DownlinkRefused",
    "Magic7Refused",
    "RunFailed",
    "advance_downlink",
    "agree_switchover",
    "cancel_switchover",
    "complete_switchover",
    "create_campaign",
    "decode_chunk",
    "expired_staging_files",
    "finish_campaign_pass",
    "generate_demo_magic7",
    "ingest_downlink",
    "latest_magic7",
    "level1_run",
    "magic7_collection",
    "merge_run",
    "notify_online",
    "pass_key",
    "process_campaign_run",
    "propose_switchover",
    "purge_staging",
    "register_magic7",
    "release_campaign",
    "report_delivery",
    "start_campaign",
    "submit_bti_set",
]
