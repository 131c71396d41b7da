"""A session that ends while someone works: a page asked for goes through sign-in and back to it; a
form sent goes through sign-in back to the page it was on (never to the address it was sent to, which
answers GET with 405), with "do it again"; htmx is told where to go in the header its client follows
(a plain redirect would be followed silently into the swapped part); a live region that polls stops,
its content left as it was, and the page says why at the top with a link to sign in
(static/js/portal.js). A form whose CSRF token is stale gets the portal's own page."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

EXPIRED_KEY = "portal_session_expired_on"
DO_IT_AGAIN = "Your session had expired: do it again."
# htmx stops polling an element answered with 286 (its documented "stop polling" status).
STOP_POLLING = 286
# Set by static/js/portal.js on requests an `every Ns` trigger sends.
POLL_HEADER = "X-Portal-Poll"
# Where to sign in, on a stopped poll's answer: portal.js shows LIVE_STOPPED with that link.
SIGN_IN_HEADER = "X-Portal-Sign-In"
LIVE_STOPPED = "Live updates stopped: your session has expired."


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def page_of(request) -> str:
    """The path of the page the user is on: the one asked for, or for a form sent or a part of a page
    asking by itself, the page it was on (Referer, htmx's HX-Current-URL), else the dashboard."""
    if request.method in ("GET", "HEAD") and not _is_htmx(request):
        return request.get_full_path()
    candidate = request.headers.get("HX-Current-URL") or request.headers.get("Referer")
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        parts = urlsplit(candidate)
        # One leading slash: "//elsewhere/x" as a path would be a link to another host.
        path = "/" + parts.path.lstrip("/")
        if path != resolve_url(settings.LOGIN_URL):  # back to sign-in after signing in helps no one
            return path + (f"?{parts.query}" if parts.query else "")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def sign_in_again(request) -> HttpResponse:
    """Send the user to sign in and back to their page; what they sent is remembered as lost, so
    the page says "do it again" once they are back."""
    page = page_of(request)
    sign_in = redirect_to_login(page, resolve_url(settings.LOGIN_URL))["Location"]
    if request.method not in ("GET", "HEAD"):
        request.session[EXPIRED_KEY] = urlsplit(page).path
    if not _is_htmx(request):
        return HttpResponseRedirect(sign_in)
    if request.headers.get(POLL_HEADER) == "true":
        response = HttpResponse(LIVE_STOPPED, status=STOP_POLLING, content_type="text/plain; charset=utf-8")
        response["HX-Reswap"] = "none"  # the region keeps what it showed
        response[SIGN_IN_HEADER] = sign_in
        return response
    response = HttpResponse(status=204)
    response["HX-Redirect"] = sign_in
    return response


class SignInMiddleware(LoginRequiredMiddleware):
    """Pages need a signed-in user (the API authenticates by session or token by itself); without
    one, ``sign_in_again``. Back on the page after a lost form, the message to do it again."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        back_after_expiry = (
            request.user.is_authenticated and request.method == "GET" and not _is_htmx(request)
        )
        if back_after_expiry and request.session.get(EXPIRED_KEY) == request.path:
            del request.session[EXPIRED_KEY]
            messages.warning(request, DO_IT_AGAIN)
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):
        return sign_in_again(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW. Signed out (the session ended, or ended in another tab): sign in and back,
    as any expired session. Signed in: the form was opened before the last sign-in (which renews the
    token) or the browser refuses the site's cookie: reload the page and send it again."""
    if not request.user.is_authenticated:
        return sign_in_again(request)
    explanation = (
        "The form was opened before you last signed in (signing in renews the form's security token), "
        "so it was not sent. Reload the page and do it again; if this repeats, allow this site's cookies."
    )
    if _is_htmx(request):
        return HttpResponse(explanation, status=403, content_type="text/plain; charset=utf-8")
    context = {"title": "The form was out of date", "status": 403, "explanation": explanation}
    return render(request, "error.html", {**context, "back": page_of(request)}, status=403)
