"""Roles: Django groups. Scientists claim and invert programs, operators steer everything, the
FSSC is an API client with a token. Apps declare the roles they use (``PortalApp.roles``); services
check them with ``ledger.services.require_role``."""

SCIENTIST = "scientist"
OPERATOR = "operator"
FSSC = "fssc"


def has_role(user, *roles: str) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: a page checks roles many times, the groups are read once.
    if not hasattr(user, "_l2portal_roles"):
        user._l2portal_roles = set(user.groups.values_list("name", flat=True))
    return bool(user._l2portal_roles & set(roles))


def is_operator(user) -> bool:
    return has_role(user, OPERATOR)
