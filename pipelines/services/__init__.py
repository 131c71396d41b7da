"""Pipelines operations, one module per use case: magic7 inputs, BTI sets, campaigns (define,
start a pass, finish it, release), the work on one campaign run, FSSC deliveries, the switchover
and downlinks. The only place in the app where states change, roles are checked and tasks are
enqueued; the science is in the pure modules (magic7, ft2, ft2qa, bti), the read models in
pipelines.selectors."""

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
from .downlinks import register_downlink
from .fssc import ChecksumMismatch, report_delivery
from .magic7 import Magic7Refused, generate_demo_magic7, latest_magic7, magic7_collection, register_magic7
from .switchover import agree_switchover, cancel_switchover, complete_switchover, propose_switchover

__all__ = [
    "BtiRefused",
    "CampaignError",
    "ChecksumMismatch",
    "Magic7Refused",
    "RunFailed",
    "agree_switchover",
    "cancel_switchover",
    "complete_switchover",
    "create_campaign",
    "finish_campaign_pass",
    "generate_demo_magic7",
    "latest_magic7",
    "magic7_collection",
    "pass_key",
    "process_campaign_run",
    "propose_switchover",
    "register_downlink",
    "register_magic7",
    "release_campaign",
    "report_delivery",
    "start_campaign",
    "submit_bti_set",
]
