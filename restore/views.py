"""Restore pages: request form and list, and the request page with its live part (htmx).

A refused request form (a malformed MOUS uid, a role that may not ask) shows the form again with the
refusal's message and HTTP status; a refused cancel goes back to the restore's page with the
message. Nothing changed either way."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger.pages import refusal_redirect
from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor

from . import selectors, services
from .filtersets import RestoreRequestFilter
from .models import RESTORE_MACHINE, RestoreRequest

PAGE_SIZE = 50
LOG_LINES = 200


class RestoreForm(forms.Form):
    mous_uid = forms.CharField(
        label="MOUS uid",
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "uid://A001/X12a3/X80e"}),
    )


def restore_list(request):
    actor = Actor.of_user(request.user)
    form = RestoreForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_restore(form.cleaned_data["mous_uid"], actor)
        except Refused as error:
            form.add_error(None, error.message)
            status = error.http_status
        else:
            messages.success(request, f"Restore of {created.mous_uid} requested.")
            return redirect("restore:detail", pk=created.pk)
    restores = RestoreRequest.objects.select_related("requested_by").order_by("-created_at", "-id")
    page = Paginator(RestoreRequestFilter(request.GET, restores).qs, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "states": RESTORE_MACHINE.states,
        "state": request.GET.get("state", ""),
        "may_request": actor.has_role(*services.REQUESTER_ROLES),
    }
    return render(request, "restore/list.html", context, status=status)


def _restore(pk) -> RestoreRequest:
    return get_object_or_404(selectors.with_details(RestoreRequest.objects.all()), pk=pk)


def _live_context(request, restore: RestoreRequest) -> dict:
    cancellable = not restore.is_final and restore.state != "error"
    return {
        "restore": restore,
        "timeline": selectors.timeline(restore),
        "log_lines": selectors.log_tail(restore, LOG_LINES),
        "may_cancel": cancellable and services.may_cancel(Actor.of_user(request.user), restore),
    }


def restore_detail(request, pk):
    restore = _restore(pk)
    ppr = selectors.ppr_bytes(restore)
    context = _live_context(request, restore) | {"ppr_text": ppr.decode("utf-8") if ppr else ""}
    return render(request, "restore/detail.html", context)


def restore_live(request, pk):
    """The live part of the request page; a changed state reloads the whole page (new sections)."""
    restore = _restore(pk)
    if request.GET.get("state") and request.GET["state"] != restore.state:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "restore/_live.html", _live_context(request, restore))


def restore_ppr(request, pk):
    restore = get_object_or_404(RestoreRequest.objects.select_related("ppr"), pk=pk)
    ppr = selectors.ppr_bytes(restore)
    if ppr is None:
        raise Http404("no PPR yet: it is built once the files are staged")
    response = HttpResponse(ppr, content_type="application/xml")
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="{restore.ppr.filename}"'
    return response


@require_POST
def restore_cancel(request, pk):
    restore = get_object_or_404(RestoreRequest, pk=pk)
    try:
        services.cancel(restore, Actor.of_user(request.user))
    except Refused as error:
        return refusal_redirect(request, error, restore.get_absolute_url())
    if restore.state == "cancelled":
        messages.success(request, "Cancelled.")
    else:
        messages.success(request, "Cancellation requested: the pipeline will be stopped.")
    return redirect("restore:detail", pk=pk)
