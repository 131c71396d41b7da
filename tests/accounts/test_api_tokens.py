"""API tokens: expiry, rotation (a command and the operators' page) and the last use."""

import importlib
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from l2portal.accounts.models import TokenLease
from l2portal.accounts.services import lease_of
from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.roles import FSSC
from tests.factories import user

pytestmark = pytest.mark.django_db


def api_status(key: str) -> tuple[int, str]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    answer = client.get("/api/products/")
    return answer.status_code, answer.json().get("detail", "") if answer.status_code != 200 else ""


def test_a_token_records_its_last_use(fssc):
    token = Token.objects.get(user=fssc)
    assert api_status(token.key) == (200, "")
    lease = TokenLease.objects.get(token=token)
    assert lease.last_used_at is not None
    assert lease.expires_at == token.created + timedelta(days=90)


def test_an_expired_token_is_refused_saying_what_to_do(fssc):
    token = Token.objects.get(user=fssc)
    lease = lease_of(token)
    TokenLease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    status, detail = api_status(token.key)
    assert status == 401
    assert "expired" in detail and "rotate_api_token fssc" in detail
    assert TokenLease.objects.get(pk=lease.pk).last_used_at is None


def test_the_lifetime_is_a_setting(fssc, settings):
    settings.L2PORTAL_API_TOKEN_DAYS = 0.5
    token = Token.objects.get(user=fssc)
    assert lease_of(token).expires_at == token.created + timedelta(hours=12)


def test_rotating_from_the_command_replaces_the_key(fssc, capsys):
    old = Token.objects.get(user=fssc).key
    call_command("rotate_api_token", "fssc", "--days", "30")
    new = Token.objects.get(user=fssc)
    assert new.key != old and new.key in capsys.readouterr().out
    assert new.lease.expires_at == new.created + timedelta(days=30)
    assert api_status(old)[0] == 401
    assert api_status(new.key)[0] == 200
    event = LedgerEvent.objects.get(kind="api_token_rotated")
    assert event.actor == "system: manage.py rotate_api_token" and event.details == {"days": 30.0}


def test_the_command_refuses_an_unknown_account_and_a_lifetime_that_is_not_positive(fssc):
    old = Token.objects.get(user=fssc).key
    with pytest.raises(CommandError, match="no account named 'nobody'"):
        call_command("rotate_api_token", "nobody")
    with pytest.raises(CommandError, match="must be positive"):
        call_command("rotate_api_token", "fssc", "--days", "0")
    assert Token.objects.get(user=fssc).key == old
    assert LedgerEvent.objects.filter(kind="api_token_refused").count() == 2


def test_operators_rotate_on_the_tokens_page_and_see_the_key_once(client, operator, fssc):
    old = Token.objects.get(user=fssc).key
    client.force_login(operator)
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "fssc" in text and old not in text  # keys are never listed
    answer = client.post("/accounts/tokens/fssc/rotate/")
    new = Token.objects.get(user=fssc).key
    assert answer.status_code == 200 and new in answer.content.decode()
    assert answer["Cache-Control"].startswith("max-age=0")
    assert new not in client.get("/accounts/tokens/").content.decode()


def test_only_operators_rotate_tokens(client, scientist, fssc):
    old = Token.objects.get(user=fssc).key
    client.force_login(scientist)
    answer = client.post("/accounts/tokens/fssc/rotate/", follow=True)
    assert "only operators may rotate API tokens" in answer.content.decode()
    assert Token.objects.get(user=fssc).key == old
    assert (
        "only operators may see the API tokens"
        in client.get("/accounts/tokens/", follow=True).content.decode()
    )


def test_the_tokens_page_costs_the_same_queries_for_more_tokens(client, operator):
    client.force_login(operator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/accounts/tokens/").status_code == 200
        return len(captured)

    user("fssc-a", FSSC)
    few = queries()
    for name in ("fssc-b", "fssc-c", "fssc-d", "fssc-e"):
        user(name, FSSC)
    assert queries() == few


def test_tokens_issued_before_expiry_existed_get_one_lifetime_from_the_migration(fssc):
    from django.apps import apps

    migration = importlib.import_module(
        "l2portal.accounts.migrations.0001_h7_oidc_identities_and_token_leases"
    )
    token = Token.objects.get(user=fssc)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=400))
    before = timezone.now()
    migration.lease_existing_tokens(apps, None)
    lease = TokenLease.objects.get(token=token)
    assert lease.expires_at >= before + timedelta(days=90)
    assert api_status(token.key)[0] == 200
