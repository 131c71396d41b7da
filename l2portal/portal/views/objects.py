"""Any tracked object, whatever its app: retry it from the page it is shown on (the ledger's retry
checks the role), and its live part, which htmx asks for while work runs on it and which reloads
the page once the object has moved on."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from ...ledger.models import Tracked
from ...ledger.services import Actor, retry
from ..pages import back_url, live_state_context, retry_report
from ..site import object_url


def tracked_object(model: str, pk: int) -> Tracked:
    """The object ``pk`` of the tracked model labelled ``model`` ("app_label.modelname")."""
    try:
        model_class = apps.get_model(model)
    except (LookupError, ValueError):
        model_class = None
    if model_class is None or not issubclass(model_class, Tracked):
        raise Http404(f"{model!r} is not a kind of object the portal tracks")
    return get_object_or_404(model_class, pk=pk)


@require_POST
def object_retry(request, model, pk):
    obj = tracked_object(model, pk)
    row = retry(obj, Actor.of_user(request.user))
    messages.success(request, retry_report(obj, row.to_state))
    return HttpResponseRedirect(back_url(request, object_url(model, pk) or "home"))


def object_live(request, model, pk):
    obj = tracked_object(model, pk)
    seen = request.GET.get("seen", "")
    if seen and seen != obj.state:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the page shows what the new state brings
        return response
    return render(request, "components/live_state.html", live_state_context(obj))
