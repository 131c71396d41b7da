"""Single sign-on and the API tokens page in a browser: the sign-in page's button through the
provider and back, the tokens page, and a rotation after the site's confirmation. Pages pass
axe-core's checks and are kept as screenshots."""

import pytest
from rest_framework.authtoken.models import Token

from tests.browser_checks import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_operator_signs_in_through_the_provider_and_rotates_the_fssc_token(
    browser_page, live_server, provider, fssc, settings
):
    from playwright.sync_api import expect

    settings.L2PORTAL_OIDC_NAME = "the observatory's account"
    provider.person = {
        "sub": "op-1",
        "preferred_username": "ada",
        "email": "ada@nso.edu",
        "groups": ["l2-operators"],
    }
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    check_page(page, "accounts-sign-in")
    page.get_by_role("link", name="Sign in with the observatory's account").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("header .who span")).to_have_text("ada")

    page.get_by_role("link", name="API tokens").click()
    expect(page.locator("table.portal-table")).to_contain_text("fssc")
    check_page(page, "accounts-tokens")
    old = Token.objects.get(user=fssc).key
    page.get_by_role("button", name="Rotate").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Rotate the API token of fssc?")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("New API token for fssc")
    new = Token.objects.get(user=fssc).key
    assert new != old
    expect(page.locator("code.secret")).to_have_text(new)
    check_page(page, "accounts-token-rotated")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert len(provider.ended_sessions) == 1
