"""Groups, users and the FSSC token: created by load_demo and by operators' `create_role_user`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token

from l2portal.roles import FSSC, OPERATOR, ROLES

# Operators steer everything in the admin: they hold every permission of the portal's own apps and
# may manage API tokens (the FSSC's).
OPERATOR_APPS = ("ledger", "programs", "pipelines", "restore", "authtoken")


def ensure_groups() -> None:
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        if name == OPERATOR:
            group.permissions.set(Permission.objects.filter(content_type__app_label__in=OPERATOR_APPS))


def ensure_user(username: str, role: str, password: str | None) -> tuple:
    """Create or update a user in one role; operators get the admin site. Returns (user, token)."""
    ensure_groups()
    user, created = get_user_model().objects.get_or_create(username=username)
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = role == OPERATOR
    user.save()
    user.groups.add(Group.objects.get(name=role))
    token = Token.objects.get_or_create(user=user)[0] if role == FSSC else None
    return user, token
