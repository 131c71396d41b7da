"""Single sign-on through a real OpenID Connect provider beside the test (tests/accounts/oidc_provider.py):
the authorization-code flow as a browser follows it, roles from the provider's groups, and the
ID tokens the portal refuses."""

import pytest
import requests
from django.contrib.auth import get_user_model

from l2portal.accounts.models import SignInIdentity
from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.roles import OPERATOR, SCIENTIST, has_role

from .conftest import sign_in_through

pytestmark = pytest.mark.django_db

JDOE = {
    "sub": "3b9f1c9e-5a4d-4c1b-9e2f-0d1a2b3c4d5e",
    "preferred_username": "jdoe@nso.edu",
    "email": "jdoe@nso.edu",
    "given_name": "Jane",
    "family_name": "Doe",
    "groups": ["l2-operators", "staff"],
}


def signed_in_user(client):
    return client.get("/").wsgi_request.user


def test_sign_in_creates_the_account_with_the_role_from_its_groups(client, provider):
    page = sign_in_through(client, provider, JDOE, next_url="/registry/")
    assert page.status_code == 200
    assert page.redirect_chain[-1][0] == "/registry/"
    person = signed_in_user(client)
    assert person.username == "jdoe@nso.edu"
    assert (person.email, person.first_name, person.last_name) == ("jdoe@nso.edu", "Jane", "Doe")
    assert has_role(person, OPERATOR) and not has_role(person, SCIENTIST)
    assert person.is_staff and not person.has_usable_password()
    identity = SignInIdentity.objects.get(user=person)
    assert (identity.issuer, identity.subject) == (provider.issuer, JDOE["sub"])
    kinds = set(LedgerEvent.objects.filter(actor__contains=provider.issuer).values_list("kind", flat=True))
    assert kinds == {"account_from_identity", "roles_from_identity"}


def test_the_same_identity_signs_in_as_the_same_account_and_its_groups_set_its_roles(client, provider):
    sign_in_through(client, provider, JDOE)
    first = signed_in_user(client)
    client.post("/accounts/logout/")
    sign_in_through(client, provider, {**JDOE, "groups": ["l2-scientists"]})
    again = signed_in_user(client)
    assert again.pk == first.pk
    again = get_user_model().objects.get(pk=again.pk)  # roles are cached on the request's user
    assert has_role(again, SCIENTIST) and not has_role(again, OPERATOR)
    assert not again.is_staff
    change = LedgerEvent.objects.filter(kind="roles_from_identity").order_by("-pk").first()
    assert change.details == {"roles": [SCIENTIST], "previous": [OPERATOR]}


def test_a_person_whose_groups_give_no_role_is_refused_and_told_why(client, provider):
    page = sign_in_through(client, provider, {**JDOE, "groups": ["staff"]})
    assert not signed_in_user(client).is_authenticated
    assert page.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "jdoe@nso.edu has no role in this portal" in page.content.decode()
    assert not get_user_model().objects.filter(email="jdoe@nso.edu").exists()
    assert LedgerEvent.objects.filter(kind="sign_in_refused", message__contains="no role").exists()


def test_a_default_role_lets_people_of_no_mapped_group_in(client, provider, settings):
    settings.L2PORTAL_OIDC_DEFAULT_ROLE = SCIENTIST
    sign_in_through(client, provider, {**JDOE, "groups": []})
    assert has_role(signed_in_user(client), SCIENTIST)


def test_a_local_account_of_the_same_name_is_never_taken_over(client, provider, operator):
    sign_in_through(client, provider, {**JDOE, "preferred_username": "operator", "groups": ["l2-scientists"]})
    person = signed_in_user(client)
    assert person.pk != operator.pk
    assert person.username == f"operator-{JDOE['sub'][:16]}"


@pytest.mark.parametrize(
    ("forge", "why"),
    [
        ("wrong_audience", "InvalidAudienceError"),
        ("expired", "ExpiredSignatureError"),
        ("bad_signature", "InvalidSignatureError"),
        ("unknown_issuer", "InvalidIssuerError"),
        ("userinfo_of_another", "the userinfo is about another subject"),
    ],
)
def test_an_id_token_the_portal_cannot_trust_signs_no_one_in(client, provider, forge, why):
    provider.forge = forge
    page = sign_in_through(client, provider, JDOE)
    assert not signed_in_user(client).is_authenticated
    text = page.content.decode()
    assert "single sign-on through" in text and why in text
    assert not get_user_model().objects.filter(email="jdoe@nso.edu").exists()
    refusal = LedgerEvent.objects.get(kind="sign_in_refused")
    assert why in refusal.details["error"]


def test_keys_are_cached_and_fetched_again_when_the_provider_rotates_them(client, provider):
    sign_in_through(client, provider, JDOE)
    client.post("/accounts/logout/")
    sign_in_through(client, provider, JDOE)
    assert provider.jwks_fetches == 1  # the second token's key was in the cache
    client.post("/accounts/logout/")
    provider.rotate_keys()
    sign_in_through(client, provider, JDOE)
    assert signed_in_user(client).username == "jdoe@nso.edu"
    assert provider.jwks_fetches == 2  # a key the cache lacked: the JWKS fetched again


def test_only_the_allowed_domains_sign_in(client, provider, settings):
    settings.L2PORTAL_OIDC_ALLOWED_DOMAINS = "nso.edu, stanford.edu"
    outsider = {**JDOE, "sub": "eve", "email": "eve@mail.example", "preferred_username": "eve"}
    page = sign_in_through(client, provider, outsider)
    assert not signed_in_user(client).is_authenticated
    assert "eve@mail.example may not sign in here" in page.content.decode()
    assert "nso.edu, stanford.edu" in page.content.decode()
    claimed = {**JDOE, "sub": "mallory", "preferred_username": "mallory", "email_verified": False}
    page = sign_in_through(client, provider, claimed)  # an address at nso.edu nobody verified
    assert not signed_in_user(client).is_authenticated
    assert "with an address the provider has verified" in page.content.decode()
    sign_in_through(client, provider, JDOE)
    assert signed_in_user(client).username == "jdoe@nso.edu"


def test_sign_out_ends_the_session_at_the_provider(client, provider):
    sign_in_through(client, provider, JDOE)
    out = client.post("/accounts/logout/")
    assert out.status_code == 302 and out.url.startswith(f"{provider.issuer}/logout?")
    assert not signed_in_user(client).is_authenticated
    back = requests.get(out.url, allow_redirects=False, timeout=10)
    assert back.headers["Location"] == "http://testserver/accounts/login/"
    (ended,) = provider.ended_sessions
    assert ended["client_id"] == "l2portal-test" and ended["id_token_hint"].count(".") == 2


def test_a_local_account_signs_out_locally(client, provider, operator):
    client.force_login(operator)
    out = client.post("/accounts/logout/")
    assert out.url == "/accounts/login/"
    assert provider.ended_sessions == []


def test_without_an_issuer_single_sign_on_is_off_and_local_accounts_work(client, operator):
    page = client.get("/accounts/login/")
    assert "Sign in with" not in page.content.decode()
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
    client.post("/accounts/login/", {"username": "operator", "password": "operator"})
    assert signed_in_user(client).username == "operator"


def test_break_glass_accounts_sign_in_while_the_provider_is_away(client, operator, settings):
    settings.L2PORTAL_OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    page = client.get("/accounts/login/")
    assert "Sign in with your institution" in page.content.decode()
    client.post("/accounts/login/", {"username": "operator", "password": "operator"})
    assert signed_in_user(client).username == "operator"
    refused = client.get("/accounts/oidc/authenticate/", follow=True)
    assert "did not answer" in refused.content.decode()


def test_the_client_authenticates_as_the_provider_says(client, provider):
    sign_in_through(client, provider, JDOE)
    assert provider.client_auth_used == ["client_secret_basic"]  # the default when discovery names none


@pytest.mark.parametrize("provider", [{"client_auth": ("client_secret_post",), "pkce": False}], indirect=True)
def test_a_provider_that_takes_the_secret_in_the_form_and_no_pkce(client, provider):
    sign_in_through(client, provider, JDOE)
    assert provider.client_auth_used == ["client_secret_post"]
    assert signed_in_user(client).username == "jdoe@nso.edu"


@pytest.mark.parametrize("provider", [{"end_session": False}], indirect=True)
def test_without_an_end_session_endpoint_sign_out_ends_the_portal_session(client, provider):
    sign_in_through(client, provider, JDOE)
    out = client.post("/accounts/logout/")
    assert out.url == "/accounts/login/"
    assert not signed_in_user(client).is_authenticated


def test_sign_out_works_while_the_provider_is_away(client, provider, settings):
    sign_in_through(client, provider, JDOE)
    settings.L2PORTAL_OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    out = client.post("/accounts/logout/")
    assert out.url == "/accounts/login/"
    assert not signed_in_user(client).is_authenticated
