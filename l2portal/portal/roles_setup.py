"""Groups, users and the FSSC token: created by load_demo and by operators' `create_role_user`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token

from ..ledger.roles import FSSC, OPERATOR
from .site import role_permissions, roles


def ensure_groups() -> None:
    """One group per role an app declares, holding the admin permissions apps grant that role."""
    granted = role_permissions()
    for name in roles():
        group, _ = Group.objects.get_or_create(name=name)
        labels = granted.get(name, set())
        group.permissions.set(Permission.objects.filter(content_type__app_label__in=labels))


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
