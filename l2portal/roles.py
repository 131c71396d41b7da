"""Roles: Django groups. Scientists claim and invert programs, operators steer everything, the
FSSC is an API client with a token. Every write names the roles allowed to make it."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

SCIENTIST = "scientist"
OPERATOR = "operator"
FSSC = "fssc"
ROLES = (SCIENTIST, OPERATOR, FSSC)


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


class ReadAuthenticatedWriteByRole(BasePermission):
    """Reads need a signed-in user or token; writes need one of the view's ``write_roles``
    (operators only, unless the view says otherwise). An action may narrow it further with
    ``roles=`` in its ``@action(..., roles=...)`` kwargs, read from ``view.action_roles``."""

    message = "Your role does not allow this; ask an operator."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        action_roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        if action_roles is not None:
            return has_role(request.user, *action_roles)
        if request.method in SAFE_METHODS:
            return True
        return has_role(request.user, *getattr(view, "write_roles", (OPERATOR,)))
