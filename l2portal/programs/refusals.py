"""Refusals more than one use case of the programs app raises (see l2portal.ledger.refusals)."""

from l2portal.ledger.refusals import Refused


class ActionRefused(Refused):
    """The program's state does not allow that action now (HTTP 409)."""

    code = "action_refused"


class NoMetadataStore(Refused):
    """No metadata store is configured to scan or to publish to (HTTP 409)."""

    code = "no_metadata_store"
