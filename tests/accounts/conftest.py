from urllib.parse import urlsplit

import pytest
import requests

from .oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture
def provider(settings, request):
    """A real OpenID Connect provider beside the test, and the portal set to sign in through it;
    ``@pytest.mark.parametrize("provider", [{...}], indirect=True)`` sets its options."""
    with Provider(**getattr(request, "param", {})) as running:
        settings.L2PORTAL_OIDC_ISSUER = running.issuer
        settings.L2PORTAL_OIDC_CLIENT_ID = CLIENT_ID
        settings.L2PORTAL_OIDC_CLIENT_SECRET = CLIENT_SECRET
        settings.L2PORTAL_OIDC_ROLE_MAP = "l2-operators=operator,l2-scientists=scientist,fssc=fssc"
        settings.L2PORTAL_OIDC_JWKS_REFETCH_SECONDS = 0
        yield running


def sign_in_through(client, provider, person: dict, next_url: str = "/"):
    """The browser's way: the portal sends it to the provider, which sends it back with a code."""
    provider.person = person
    start = client.get("/accounts/oidc/authenticate/", {"next": next_url})
    assert start.status_code == 302 and start.url.startswith(f"{provider.issuer}/authorize?"), start
    at_provider = requests.get(start.url, allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    assert back.netloc == "testserver", back
    return client.get(f"{back.path}?{back.query}", follow=True)
