"""Restore pages: request form and list, and the request page with its live part (htmx)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger.roles import OPERATOR, SCIENTIST, has_role
from l2portal.ledger.services import Actor
from l2portal.ledger.states import TransitionNotAllowed

from . import services
from .models import RESTORE_MACHINE, RestoreRequest, StagedFile

PAGE_SIZE = 50
LOG_LINES = 200


class RestoreForm(forms.Form):
    mous_uid = forms.CharField(
        label="MOUS uid",
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "uid://A001/X12a3/X80e"}),
    )


def may_request(user) -> bool:
    return has_role(user, OPERATOR, SCIENTIST)


def restore_list(request):
    form = RestoreForm(request.POST or None)
    if request.method == "POST":
        if not may_request(request.user):
            raise PermissionDenied("only operators and scientists request restores")
        if form.is_valid():
            try:
                created = services.request_restore(form.cleaned_data["mous_uid"], request.user)
            except services.RestoreRefused as error:
                form.add_error("mous_uid", str(error))
            else:
                messages.success(request, f"Restore of {created.mous_uid} requested.")
                return redirect("restore:detail", pk=created.pk)
    restores = RestoreRequest.objects.select_related("requested_by").order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state:
        restores = restores.filter(state=state)
    page = Paginator(restores, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "restore/list.html",
        {
            "form": form,
            "page": page,
            "states": RESTORE_MACHINE.states,
            "state": state,
            "may_request": may_request(request.user),
        },
    )


def _restore(pk) -> RestoreRequest:
    queryset = RestoreRequest.objects.select_related("requested_by", "ppr").prefetch_related(
        "transitions", Prefetch("staged_files", queryset=StagedFile.objects.order_by("kind", "name"))
    )
    return get_object_or_404(queryset, pk=pk)


def _live_context(request, restore: RestoreRequest) -> dict:
    return {
        "restore": restore,
        "timeline": services.timeline(restore),
        "log_lines": services.log_tail(restore, LOG_LINES),
        "may_cancel": not restore.is_final
        and restore.state != "error"
        and services.may_cancel(request.user, restore),
    }


def restore_detail(request, pk):
    restore = _restore(pk)
    ppr = services.ppr_bytes(restore)
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
    ppr = services.ppr_bytes(restore)
    if ppr is None:
        raise Http404("no PPR yet: it is built once the files are staged")
    response = HttpResponse(ppr, content_type="application/xml")
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="{restore.ppr.filename}"'
    return response


@require_POST
def restore_cancel(request, pk):
    restore = get_object_or_404(RestoreRequest, pk=pk)
    if not services.may_cancel(request.user, restore):
        raise PermissionDenied("operators cancel any restore, scientists their own")
    try:
        services.cancel(restore, Actor.of_user(request.user))
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Cancellation requested." if restore.state == "running" else "Cancelled.")
    return redirect("restore:detail", pk=pk)
