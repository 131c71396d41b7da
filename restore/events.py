"""The restore app's event kinds (see l2portal.ledger.events)."""

from l2portal.ledger.events import EventKind, declare

RESTORE_CANCEL_REQUESTED = EventKind("restore_cancel_requested", "Restore cancel requested")
RESTORE_EMAIL_FAILED = EventKind("restore_email_failed", "Restore e-mail not sent")
RESTORE_PPR_ROUTE_FORCED = EventKind("restore_ppr_route_forced", "Restore PPR route forced")
RESTORE_REQUESTED_AGAIN = EventKind("restore_requested_again", "Restore requested again")
RESTORE_WATCHER_ADOPTED = EventKind("restore_watcher_adopted", "Restore pipeline adopted by a new watcher")
RESTORE_WATCHER_LOST = EventKind("restore_watcher_lost", "Restore watcher lost")

declare(
    RESTORE_CANCEL_REQUESTED,
    RESTORE_EMAIL_FAILED,
    RESTORE_PPR_ROUTE_FORCED,
    RESTORE_REQUESTED_AGAIN,
    RESTORE_WATCHER_ADOPTED,
    RESTORE_WATCHER_LOST,
)
