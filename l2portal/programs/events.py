"""The programs app's event kinds (see l2portal.ledger.events)."""

from l2portal.ledger.events import EventKind, declare

NOTES_CHANGED = EventKind("program_notes_changed", "Program's notes changed")
PROGRAM_CHANGED = EventKind("program_changed", "Program's datasets changed while it was worked on")
PROGRAM_REASSIGNED = EventKind("program_reassigned", "Program reassigned")
SCAN_FAILED = EventKind("scan_failed", "Metadata-store scan failed")
UPLOAD_FAILED = EventKind("upload_failed", "Inversion results did not arrive")

declare(NOTES_CHANGED, PROGRAM_CHANGED, PROGRAM_REASSIGNED, SCAN_FAILED, UPLOAD_FAILED)
