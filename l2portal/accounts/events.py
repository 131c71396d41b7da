"""Sign-in and API-token event kinds (see l2portal.ledger.events)."""

from l2portal.ledger.events import EventKind, declare

ACCOUNT_FROM_IDENTITY = EventKind("account_from_identity", "Account created at a first single sign-on")
ROLES_FROM_IDENTITY = EventKind("roles_from_identity", "Roles set from the identity provider's groups")
API_TOKEN_ROTATED = EventKind("api_token_rotated", "API token rotated")

declare(ACCOUNT_FROM_IDENTITY, ROLES_FROM_IDENTITY, API_TOKEN_ROTATED)
