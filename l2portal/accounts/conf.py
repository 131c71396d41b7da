"""Settings of sign-in and API tokens. Each is read when used (tests override them) from
django.conf.settings, else from the environment, else the default below.

Single sign-on (OpenID Connect) is off unless L2PORTAL_OIDC_ISSUER is set; local accounts always
work (the no-services mode, break-glass operators).

L2PORTAL_OIDC_ISSUER          the provider's issuer; its ``/.well-known/openid-configuration`` gives
                              the endpoints and the JWKS (https://auth.globus.org for Globus Auth,
                              https://idp.example.org/realms/observatory for a Keycloak realm)
L2PORTAL_OIDC_CLIENT_ID, L2PORTAL_OIDC_CLIENT_SECRET   the portal's confidential client there; its
                              redirect URI is https://<portal>/accounts/oidc/callback/
L2PORTAL_OIDC_SCOPES          default "openid profile email"
L2PORTAL_OIDC_NAME            the button on the sign-in page says "Sign in with <name>" (default
                              "your institution")
L2PORTAL_OIDC_ROLES_CLAIM     the claim (of the ID token or userinfo) listing a person's groups
                              (default "groups"; Keycloak's group mapper writes it)
L2PORTAL_OIDC_ROLE_MAP        groups to portal roles, "group=role,group=role"
                              (e.g. "l2-operators=operator,/dkist/scientists=scientist")
L2PORTAL_OIDC_DEFAULT_ROLE    the role of a person no group maps (default none: refused)
L2PORTAL_OIDC_ALLOWED_DOMAINS e-mail domains allowed to sign in, "nso.edu,stanford.edu" (default
                              any); for Globus Auth these are the domains of the identity providers
                              people sign in through (jdoe@nso.edu)
L2PORTAL_OIDC_JWKS_CACHE_SECONDS   how long signing keys are kept (default 3600); a token signed by
                              a key not in the cache makes the portal fetch the JWKS again at once,
                              at most once per L2PORTAL_OIDC_JWKS_REFETCH_SECONDS (default 30)

L2PORTAL_API_TOKEN_DAYS       an API token's lifetime (default 90): rotated by
                              ``manage.py rotate_api_token NAME`` or on the API tokens page
"""

from datetime import timedelta

from l2portal.appsettings import setting


def _listed(name: str) -> list[str]:
    value = setting(name, "")
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def oidc_issuer() -> str:
    return (setting("L2PORTAL_OIDC_ISSUER", "") or "").rstrip("/")


def oidc_enabled() -> bool:
    return bool(oidc_issuer())


def oidc_client_id() -> str:
    return setting("L2PORTAL_OIDC_CLIENT_ID", "")


def oidc_client_secret() -> str:
    return setting("L2PORTAL_OIDC_CLIENT_SECRET", "")


def oidc_scopes() -> str:
    return setting("L2PORTAL_OIDC_SCOPES", "openid profile email")


def oidc_name() -> str:
    return setting("L2PORTAL_OIDC_NAME", "your institution")


def roles_claim() -> str:
    return setting("L2PORTAL_OIDC_ROLES_CLAIM", "groups")


def role_map() -> dict[str, str]:
    """group -> role, from "group=role,group=role" (or a dict in Django settings)."""
    value = setting("L2PORTAL_OIDC_ROLE_MAP", "")
    if isinstance(value, dict):
        return dict(value)
    pairs = (item.rpartition("=") for item in _listed("L2PORTAL_OIDC_ROLE_MAP"))
    return {group.strip(): role.strip() for group, _, role in pairs if group}


def default_role() -> str:
    return setting("L2PORTAL_OIDC_DEFAULT_ROLE", "")


def allowed_domains() -> list[str]:
    return [domain.lower().lstrip("@") for domain in _listed("L2PORTAL_OIDC_ALLOWED_DOMAINS")]


def jwks_cache_seconds() -> int:
    return int(setting("L2PORTAL_OIDC_JWKS_CACHE_SECONDS", 3600))


def jwks_refetch_seconds() -> float:
    return float(setting("L2PORTAL_OIDC_JWKS_REFETCH_SECONDS", 30))


def token_lifetime() -> timedelta:
    return timedelta(days=float(setting("L2PORTAL_API_TOKEN_DAYS", 90)))
