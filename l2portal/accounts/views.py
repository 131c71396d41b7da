"""Sign-in through the identity provider (mozilla-django-oidc's views on the portal's settings),
sign-out, and the operators' API tokens page."""

import requests
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor
from l2portal.portal.pages import refusal_redirect
from l2portal.portal.tables import portal_table
from l2portal.unreachable import why_unreachable

from . import conf, services
from .oidc import oidc_setting, provider
from .tables import ApiTokenTable


@method_decorator(login_not_required, name="dispatch")
class SignInStart(OIDCAuthenticationRequestView):
    """To the provider's authorization endpoint, with state, nonce and (where offered) PKCE."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoint comes from discovery, when asked

    def get(self, request):
        if not conf.oidc_enabled():
            raise Http404("Single sign-on is off on this portal: sign in with your account here.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except (requests.RequestException, ImproperlyConfigured) as error:
            why = why_unreachable(error) if isinstance(error, requests.RequestException) else str(error)
            messages.error(
                request,
                f"The identity provider {conf.oidc_issuer()} did not answer: {why}; try again later, "
                "or sign in with a local account.",
            )
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = conf.oidc_client_id()
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SignInCallback(OIDCAuthenticationCallbackView):
    """Back from the provider: the code for tokens, the ID token checked, the person signed in."""

    get_settings = staticmethod(oidc_setting)


class SignOut(OIDCLogoutView):
    """Sign-out (POST); a single sign-on session ends at the provider too (RP-initiated logout)."""

    get_settings = staticmethod(oidc_setting)


@never_cache
def api_tokens(request):
    try:
        rows = services.token_list(Actor.of_user(request.user))
    except Refused as error:
        return refusal_redirect(request, error)
    table = portal_table(request, ApiTokenTable, rows)
    if table.wants_csv:
        return table.csv_response()
    return render(request, "accounts/tokens.html", {"table": table, "lifetime": conf.token_lifetime().days})


@never_cache
@require_POST
def rotate_token(request, username):
    """The new key, shown on this answer only: it is not kept anywhere the portal can show again."""
    try:
        token = services.rotate_token(username, Actor.of_user(request.user))
    except Refused as error:
        return refusal_redirect(request, error, "accounts:tokens")
    return render(request, "accounts/token_rotated.html", {"token": token})
