"""Restore pages: request form and list, the request page with its live part (htmx), its PPR or
restore script, its outputs (downloads) and its weblog, cancel (asked first, in the site's dialog).

A refused request form (a malformed MOUS uid, a role that may not ask, an MOUS already restored)
shows the form again with the refusal's message and HTTP status, and for a duplicate a link to the
existing restore and a button to restore again; a refused cancel goes back to the restore's page
with the message. Nothing changed either way."""

import mimetypes

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from l2portal.ledger.refusals import Refused
from l2portal.ledger.roles import OPERATOR
from l2portal.ledger.services import Actor
from l2portal.portal.filtering import filtered_rows
from l2portal.portal.pages import refusal_redirect
from l2portal.portal.tables import portal_table
from l2portal.registry.downloads import product_response

from . import selectors, services
from .filtersets import RestoreListFilter
from .models import RestoreRequest
from .science.restore_parameters import known_parameters, parameter_lines, parse_parameter_lines
from .tables import RestoreTable

LOG_LINES = 200


class RestoreForm(forms.Form):
    mous_uid = forms.CharField(
        label="MOUS uid",
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "uid://A001/X12a3/X80e"}),
    )
    again = forms.BooleanField(required=False, widget=forms.HiddenInput)
    force_ppr = forms.BooleanField(
        label="Force the PPR route",
        help_text="operators: only pipeline tasks run; the restore script's other calls are left out",
        required=False,
    )
    restore_parameters = forms.CharField(
        label="Restore task parameters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "hifa_restoredata.bdfflags = False"}),
        help_text="one per line, task.parameter = value; the MOUS restored with other parameters is "
        "another restore",
    )

    def clean_restore_parameters(self):
        try:
            return parse_parameter_lines(self.cleaned_data["restore_parameters"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


def restore_list(request):
    """The request form (a POST asks for a restore) over the list of restores."""
    actor = Actor.of_user(request.user)
    form = RestoreForm(request.POST or None)
    status, duplicate = 200, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_restore(
                data["mous_uid"],
                actor,
                again=data["again"],
                force_ppr=data["force_ppr"],
                parameters=data["restore_parameters"],
            )
        except Refused as error:
            form.add_error(None, error.message)
            status = error.http_status
            if isinstance(error, services.RestoreDuplicate):
                duplicate = error.details
        else:
            messages.success(request, f"Restore of {created.mous_uid} requested.")
            return redirect("restore:detail", pk=created.pk)
    filterset = RestoreListFilter(
        request.GET or None, queryset=RestoreRequest.objects.select_related("requested_by")
    )
    rows = filtered_rows(filterset)
    table = portal_table(request, RestoreTable, rows)
    if table.wants_csv:
        return table.csv_response()
    context = {
        "form": form,
        "duplicate": duplicate,
        "filterset": filterset,
        "table": table,
        "may_request": actor.has_role(*services.REQUESTER_ROLES),
        "may_force": actor.has_role(OPERATOR),
        "known_parameters": known_parameters(),
    }
    return render(request, "restore/list.html", context, status=status)


def _restore(pk) -> RestoreRequest:
    return get_object_or_404(selectors.with_details(RestoreRequest.objects.all()), pk=pk)


def _live_context(request, restore: RestoreRequest) -> dict:
    actor = Actor.of_user(request.user)
    cancellable = not restore.is_final and restore.state != "error"
    return {
        "restore": restore,
        "timeline": selectors.timeline(restore),
        "log_lines": selectors.log_tail(restore, LOG_LINES),
        "weblogs": selectors.weblogs(restore),
        "may_cancel": cancellable and services.may_cancel(actor, restore),
        "may_force": actor.has_role(OPERATOR),
    }


def restore_detail(request, pk):
    restore = _restore(pk)
    run_file = selectors.file_bytes(restore.run_file)
    context = _live_context(request, restore) | {
        "run_file_text": run_file.decode("utf-8") if run_file else "",
        "parameter_lines": parameter_lines(restore.restore_parameters),
    }
    return render(request, "restore/detail.html", context)


def restore_live(request, pk):
    """The live part of the request page; a changed state reloads the whole page (new sections)."""
    restore = _restore(pk)
    if request.GET.get("state") and request.GET["state"] != restore.state:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "restore/_live.html", _live_context(request, restore))


def _file(request, product, content_type: str):
    if product is None:
        raise Http404("not written yet: the restore is prepared once its files are staged")
    response = HttpResponse(selectors.file_bytes(product), content_type=content_type)
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="{product.filename}"'
    return response


def restore_ppr(request, pk):
    restore = get_object_or_404(RestoreRequest.objects.select_related("ppr"), pk=pk)
    return _file(request, restore.ppr, "application/xml")


def restore_script(request, pk):
    restore = get_object_or_404(RestoreRequest.objects.select_related("restore_script"), pk=pk)
    return _file(request, restore.restore_script, "text/x-python; charset=utf-8")


def restore_output(request, pk, product_id):
    """An output of the restore's runs, as a download (HTTP ranges supported)."""
    restore = get_object_or_404(RestoreRequest, pk=pk)
    return product_response(request, get_object_or_404(restore.output_products, pk=product_id))


def restore_weblog(request, pk, path):
    """A file of a weblog the pipeline wrote in the restore's working/ folder."""
    restore = get_object_or_404(RestoreRequest, pk=pk)
    found = selectors.weblog_file(restore, path)
    if found is None:
        raise Http404("no such weblog file; the weblog archive stays among the outputs")
    return FileResponse(open(found, "rb"), content_type=mimetypes.guess_type(found.name)[0])


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
