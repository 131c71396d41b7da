"""The example app's event kinds: declared here, recorded by its code, listed by the change log."""

from l2portal.ledger.events import EventKind, declare

THING_CRUNCHED = EventKind("thing_crunched", "Example thing crunched")

declare(THING_CRUNCHED)
