"""Inversion results sent through the program page's form (results by Globus are one of the
program's actions). A refused upload comes back as the page with the form as it was sent: each
problem next to its field, the commit and the ticks kept (a browser never keeps chosen files: the
form says to choose them again). "Check only" runs every check and registers nothing."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from l2portal.ledger.refusals import Refused
from l2portal.ledger.services import Actor
from l2portal.portal.pages import refusal_redirect

from .. import services
from ..models import ObservingProgram
from .programs import program_page


@require_POST
def upload(request, pk):
    program = get_object_or_404(ObservingProgram, pk=pk)
    files = {kind: request.FILES.get(kind) for kind in services.INVERSION_FILE_KINDS}
    values = {
        "software_commit": request.POST.get("software_commit", ""),
        "dataset_ids": request.POST.getlist("dataset_ids"),
    }
    checking = "check" in request.POST
    try:
        send = services.check_upload if checking else services.upload_inversion
        result = send(
            program, Actor.of_user(request.user), files, values["dataset_ids"], values["software_commit"]
        )
    except services.UploadRefused as error:
        upload = {
            "values": values,
            "errors": error.details.get("fields", {}),
            "problems": error.details["problems"],
        }
        return program_page(request, pk, status=400, upload=upload)
    except Refused as error:
        return refusal_redirect(request, error, reverse("programs:detail", kwargs={"pk": program.pk}))
    if checking:
        return program_page(request, pk, upload={"values": values, "checked": result})
    messages.success(request, "Results uploaded and registered; the program is Inverted.")
    return redirect("programs:detail", pk=program.pk)
