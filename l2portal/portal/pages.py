"""What pages tell people: refusals (the message at the top of the page the user came from; views
need not catch refusals at all, RefusalMiddleware answers any that reaches it the same way), what a
retry did, and what runs on an object now (its live part)."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst

from ..ledger.models import Tracked
from ..ledger.refusals import Refused
from ..ledger.selectors import running_execution
from ..ledger.services import Actor, describe, record_refusal
from ..ledger.states import ERROR

LIVE_POLL_SECONDS = 2


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


def refusal_response(request, error: Refused) -> HttpResponse:
    """A refusal as a page answers it: back where the user came from with the message; to htmx
    (a part of a page asking by itself), the refusal's own status and message, as the API does."""
    if request.headers.get("HX-Request") != "true":
        return refusal_redirect(request, error)
    if request.user.is_authenticated:
        record_refusal(error, Actor.of_user(request.user))
    return HttpResponse(error.message, status=error.http_status, content_type="text/plain; charset=utf-8")


class RefusalMiddleware:
    """A refusal no page view caught: its message, back where the user came from (htmx: its status)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Refused) and not request.path_info.startswith("/api/"):
            return refusal_response(request, exception)
        return None


def retry_report(obj: Tracked, target: str) -> str:
    """What a retry of ``obj`` back to ``target`` did, as far as it has happened: a message never
    tells of work that is not under way."""
    machine = type(obj).machine
    done = f"{capfirst(describe(obj))} sent back to {machine.label(target)}"
    if obj.step_tasks.get(target) is None:
        return f"{done}; no step runs by itself from there: take the next one from its page."
    obj.refresh_from_db(fields=["state"])
    if obj.state == ERROR:
        return f"{done}; it ran again and failed again: the reason is at the top of its page."
    if obj.state != target:
        return f"{done}; it ran again and is now {machine.label(obj.state)}."
    running = running_execution(obj)
    if running is not None:
        return f"{done}; running again on {running.worker or running.host}."
    return f"{done}; queued to run again: this page follows it."


def live_state_context(obj: Tracked) -> dict:
    """An object's live part: its state, the run working on it (a link to its log), and whether the
    page should keep asking (while its state has a step to run or a run goes on)."""
    machine = type(obj).machine
    running = running_execution(obj)
    step = obj.step_tasks.get(obj.state)
    waiting = (
        obj.state != ERROR and obj.state not in machine.final and (step is not None or running is not None)
    )
    return {
        "object": obj,
        "model": obj._meta.label_lower,
        "state_label": machine.label(obj.state),
        "running": running,
        "step_task": step,
        "polling": waiting,
        "poll_seconds": LIVE_POLL_SECONDS,
    }
