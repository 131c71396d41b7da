"""Single sign-on with OpenID Connect through mozilla-django-oidc (the authorization-code flow, with
state, nonce and PKCE), completed with what it leaves to the site: the provider's endpoints from
discovery, the ID token's issuer and audience checked (it checks signature and expiry only), signing
keys cached and fetched again when a token names a key the cache lacks (the provider rotated), and
sign-out at the provider (RP-initiated logout) when it offers an end_session_endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.shortcuts import resolve_url
from django.urls import reverse, reverse_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from l2portal.ledger.services import Actor, record_refusal

from . import conf
from .services import SignInRefused, sign_in

TIMEOUT = 10  # seconds for each call to the provider
ALGORITHM = "RS256"


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    end_session_endpoint: str
    pkce: bool
    basic_auth: bool
    keys: jwt.PyJWKClient


_discovered: dict[str, Provider] = {}


def provider() -> Provider:
    """The configured provider, discovered once per process (a failed discovery is tried again)."""
    issuer = conf.oidc_issuer()
    if not issuer:
        raise ImproperlyConfigured("single sign-on is off: set L2PORTAL_OIDC_ISSUER")
    if issuer not in _discovered:
        _discovered[issuer] = discover(issuer)
    return _discovered[issuer]


def discover(issuer: str) -> Provider:
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
    response.raise_for_status()
    document = response.json()
    # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was fetched for.
    if document.get("issuer", "").rstrip("/") != issuer:
        raise ImproperlyConfigured(
            f"{issuer}'s discovery document names the issuer {document.get('issuer')!r}; "
            "set L2PORTAL_OIDC_ISSUER to the provider's issuer exactly"
        )
    return Provider(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        userinfo_endpoint=document.get("userinfo_endpoint", ""),
        end_session_endpoint=document.get("end_session_endpoint", ""),
        pkce="S256" in document.get("code_challenge_methods_supported", []),
        # Discovery 1.0, 3: a provider that names no methods takes client_secret_basic.
        basic_auth="client_secret_post" not in document.get("token_endpoint_auth_methods_supported", []),
        keys=jwt.PyJWKClient(
            document["jwks_uri"],
            lifespan=conf.jwks_cache_seconds(),
            timeout=TIMEOUT,
            cooldown_duration=conf.jwks_refetch_seconds(),
        ),
    )


def oidc_setting(attr: str, *default):
    """mozilla-django-oidc's settings, from the portal's own (accounts/conf.py)."""
    portal = {
        "OIDC_RP_CLIENT_ID": conf.oidc_client_id,
        "OIDC_RP_CLIENT_SECRET": conf.oidc_client_secret,
        "OIDC_RP_SCOPES": conf.oidc_scopes,
        "OIDC_RP_SIGN_ALGO": lambda: ALGORITHM,
        "OIDC_USE_PKCE": lambda: provider().pkce,
        "OIDC_TOKEN_USE_BASIC_AUTH": lambda: provider().basic_auth,
        "OIDC_STORE_ID_TOKEN": lambda: True,  # the id_token_hint of sign-out
        "OIDC_TIMEOUT": lambda: TIMEOUT,
        "OIDC_AUTHENTICATION_CALLBACK_URL": lambda: "accounts:oidc-callback",
        "LOGIN_REDIRECT_URL_FAILURE": lambda: reverse_lazy("login"),
        "OIDC_OP_LOGOUT_URL_METHOD": lambda: "l2portal.accounts.oidc.end_session_url",
    }
    if attr in portal:
        return portal[attr]()
    return import_from_settings(attr, *default)


class PortalOIDCBackend(OIDCAuthenticationBackend):
    """An authentication backend that does nothing until a sign-in comes back from the provider:
    a password sign-in never waits on the provider (break-glass accounts work while it is away)."""

    get_settings = staticmethod(oidc_setting)
    OIDC_RP_SIGN_ALGO = ALGORITHM
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    OIDC_RP_CLIENT_ID = property(lambda self: conf.oidc_client_id())
    OIDC_RP_CLIENT_SECRET = property(lambda self: conf.oidc_client_secret())
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: provider().token_endpoint)
    OIDC_OP_USER_ENDPOINT = property(lambda self: provider().userinfo_endpoint)

    def authenticate(self, request, **kwargs):
        if request is None or not conf.oidc_enabled() or "code" not in request.GET:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException, ImproperlyConfigured) as error:
            return _failed(request, error)

    def retrieve_matching_jwk(self, token):
        try:
            return provider().keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientError as error:
            raise SuspiciousOperation(f"the ID token's signing key is not the provider's: {error}") from error

    def _verify_jws(self, payload, key):
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[ALGORITHM],
                audience=conf.oidc_client_id(),
                issuer=provider().issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=60,
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(
                f"the ID token was refused ({type(error).__name__}: {error})"
            ) from error

    def verify_claims(self, claims):
        return True  # the sign-in service decides, and says why

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        if provider().userinfo_endpoint:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            # OpenID Connect Core 5.3.2: userinfo about anyone else is not this person's.
            if userinfo.get("sub") != payload["sub"]:
                return _failed(self.request, "the userinfo is about another subject than the ID token")
            claims.update(userinfo)
        try:
            return sign_in(provider().issuer, claims)
        except SignInRefused as refused:
            messages.error(self.request, refused.message)
            return None


def _failed(request, error) -> None:
    """A sign-in that went wrong between the portal and the provider: recorded, and said on the
    sign-in page."""
    refused = SignInRefused(
        f"single sign-on through {conf.oidc_issuer()} failed: {error}. Sign in again; "
        "if it fails again, tell the operators (they can sign in with a local account)",
        details={"issuer": conf.oidc_issuer(), "error": str(error)},
    )
    record_refusal(refused, Actor.system(f"single sign-on ({conf.oidc_issuer()})"))
    messages.error(request, refused.message)


def end_session_url(request) -> str:
    """Where sign-out goes: the provider's end_session_endpoint for a single sign-on session (so
    the next person at this browser signs in anew), the sign-in page otherwise."""
    signed_out = resolve_url(import_from_settings("LOGOUT_REDIRECT_URL", "/"))
    id_token = request.session.get("oidc_id_token")
    if not (id_token and conf.oidc_enabled()):
        return signed_out
    try:
        endpoint = provider().end_session_endpoint
    except (requests.RequestException, ImproperlyConfigured):
        return signed_out  # the provider is away: the portal's session ends all the same
    if not endpoint:
        return signed_out
    query = {
        "id_token_hint": id_token,
        "client_id": conf.oidc_client_id(),
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    return f"{endpoint}?{urlencode(query)}"
