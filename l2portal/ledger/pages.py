"""Refusals on pages: the message shown at the top of the page the user came from. Views need not
catch refusals at all: RefusalMiddleware answers any that reaches it the same way."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from .refusals import Refused
from .services import Actor, record_refusal


def back_url(request, fallback: str = "home") -> str:
    """Where to send the user after a form: a safe ``next``, else the page they came from, else
    ``fallback`` (a URL name or path)."""
    hosts = {request.get_host()}
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts=hosts):
            return candidate
    return resolve_url(fallback)


def refusal_redirect(request, error: Refused, fallback: str = "home") -> HttpResponseRedirect:
    if request.user.is_authenticated:
        record_refusal(error, Actor.of_user(request.user))
    messages.error(request, error.message)
    return HttpResponseRedirect(back_url(request, fallback))


class RefusalMiddleware:
    """A refusal no page view caught: its message, back where the user came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Refused) and not request.path_info.startswith("/api/"):
            return refusal_redirect(request, exception)
        return None
