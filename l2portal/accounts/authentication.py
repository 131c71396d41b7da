"""The API's token authentication, with expiry and last use (DRF's keys, the portal's leases)."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from .services import expired, lease_of, mark_used


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token's lease has expired."""

    def authenticate_credentials(self, key):
        token = Token.objects.select_related("user", "lease").filter(key=key).first()
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        lease = lease_of(token)
        if expired(lease):
            raise AuthenticationFailed(
                f"This API token expired on {lease.expires_at:%Y-%m-%d %H:%M} UTC; ask an operator for a new "
                f"one (the API tokens page, or manage.py rotate_api_token {token.user.username})."
            )
        mark_used(lease)
        return token.user, token
