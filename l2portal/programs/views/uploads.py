"""Inversion results sent through the program page's form (results by Globus are one of the
program's actions)."""

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


@require_POST
def upload(request, pk):
    program = get_object_or_404(ObservingProgram, pk=pk)
    files = {kind: request.FILES.get(kind) for kind in services.INVERSION_FILE_KINDS}
    try:
        services.upload_inversion(
            program,
            Actor.of_user(request.user),
            files,
            request.POST.getlist("dataset_ids"),
            request.POST.get("software_commit", ""),
        )
    except Refused as error:
        return refusal_redirect(request, error, reverse("programs:detail", kwargs={"pk": program.pk}))
    messages.success(request, "Results uploaded and registered; the program is Inverted.")
    return redirect("programs:detail", pk=program.pk)
