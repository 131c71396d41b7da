"""Sign-in and API tokens: single sign-on turns verified claims into an account with its roles; API
tokens expire, rotate and record their last use."""

from .signin import SignInRefused, roles_from_claims, sign_in
from .tokens import TokenRefused, expired, lease_of, mark_used, rotate_token, token_list

__all__ = [
    "SignInRefused",
    "TokenRefused",
    "expired",
    "lease_of",
    "mark_used",
    "roles_from_claims",
    "rotate_token",
    "sign_in",
    "token_list",
]
