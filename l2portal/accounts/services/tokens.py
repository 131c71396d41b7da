"""API tokens with a lifetime: issued or rotated by operators (a command and a page), refused once
expired, and their last use recorded for the operators' page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from l2portal.ledger.refusals import InvalidRequest
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor, record_event, refuse, require_role

from .. import conf
from ..events import API_TOKEN_ROTATED
from ..models import TokenLease
from ..selectors import token_rows

# A token used again within this interval keeps its recorded last use: one write a minute at most.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(InvalidRequest):
    code = "api_token_refused"


def lease_of(token: Token) -> TokenLease:
    """The token's lease; a token made elsewhere (the admin, ``create_role_user``) lives the
    configured lifetime from its creation."""
    try:
        return token.lease
    except TokenLease.DoesNotExist:
        lease, _ = TokenLease.objects.get_or_create(
            token=token, defaults={"expires_at": token.created + conf.token_lifetime()}
        )
        return lease


def expired(lease: TokenLease, now=None) -> bool:
    return lease.expires_at <= (now or timezone.now())


def mark_used(lease: TokenLease, now=None) -> None:
    now = now or timezone.now()
    if lease.last_used_at is None or now - lease.last_used_at >= LAST_USED_RESOLUTION:
        TokenLease.objects.filter(pk=lease.pk).update(last_used_at=now)
        lease.last_used_at = now


def rotate_token(username: str, actor: Actor, days: float | None = None) -> Token:
    """A new key for ``username`` valid ``days`` (default L2PORTAL_API_TOKEN_DAYS); the old key stops
    working at once. Returns the new token: its key is shown once, to be handed to the client."""
    require_role(actor, OPERATOR, to="rotate API tokens")
    account = get_user_model().objects.filter(username=username).first()
    if account is None:
        refuse(
            TokenRefused(f"no account named {username!r}; create it with `manage.py create_role_user`"), actor
        )
    if days is not None and days <= 0:
        refuse(TokenRefused(f"a token's lifetime must be positive, not {days} days"), actor, account)
    lifetime = timedelta(days=days) if days is not None else conf.token_lifetime()
    with transaction.atomic():
        Token.objects.filter(user=account).delete()
        token = Token.objects.create(user=account)
        TokenLease.objects.create(token=token, expires_at=token.created + lifetime)
        record_event(
            API_TOKEN_ROTATED,
            f"API token of {account.username} rotated, "
            f"valid until {token.created + lifetime:%Y-%m-%d %H:%M} UTC",
            actor,
            subject=account,
            days=lifetime.total_seconds() / 86400,
        )
    return token


def token_list(actor: Actor):
    """The API tokens page's rows: for operators."""
    require_role(actor, OPERATOR, to="see the API tokens")
    return token_rows()
