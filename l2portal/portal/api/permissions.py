"""Who reaches the API: every endpoint needs a signed-in user or a token. Writes are checked by
the services they call (the one place where roles are checked); a viewset whose reads are not for
everyone names the roles that may read it in ``read_roles``."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from ...ledger.roles import has_role


class SignedInReadsByRole(BasePermission):
    message = "Your role does not allow reading this; ask an operator."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        read_roles = getattr(view, "read_roles", None)
        if request.method in SAFE_METHODS and read_roles:
            return has_role(request.user, *read_roles)
        return True
