"""The pipelines app's event kinds (see l2portal.ledger.events)."""

from l2portal.ledger.events import EventKind, declare

BTI_SET_SUBMITTED = EventKind("bti_set_submitted", "BTI set submitted")
CAMPAIGN_BACKFILL = EventKind("campaign_backfill", "Campaign backfilled")
CAMPAIGN_CREATED = EventKind("campaign_created", "Campaign defined")
CAMPAIGN_PASS_STARTED = EventKind("campaign_pass_started", "Campaign pass started")
FSSC_FILE_LIST = EventKind("fssc_file_list", "FSSC file list sent")
ONLINE_NOTIFIED = EventKind("online_notified", "Online monitoring told of a Level 1")
ONLINE_NOT_TOLD = EventKind("online_not_told", "Online monitoring not told: Level-1 files incomplete")
ONLINE_REFUSED = EventKind("online_refused", "Online monitoring refused a Level 1")
RUN_WITHOUT_LIVETIME = EventKind("run_without_livetime", "Run ready without livetime, not offered")
STAGING_PURGED = EventKind("staging_purged", "Decoded chunk files purged")
SWITCHOVER_PROPOSED = EventKind("switchover_proposed", "Switchover proposed")

declare(
    BTI_SET_SUBMITTED,
    CAMPAIGN_BACKFILL,
    CAMPAIGN_CREATED,
    CAMPAIGN_PASS_STARTED,
    FSSC_FILE_LIST,
    ONLINE_NOTIFIED,
    ONLINE_NOT_TOLD,
    ONLINE_REFUSED,
    RUN_WITHOUT_LIVETIME,
    STAGING_PURGED,
    SWITCHOVER_PROPOSED,
)
