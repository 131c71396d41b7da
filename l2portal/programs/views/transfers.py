"""Transfers: the list of every program's, a program's (the live part of its page, polled while one
runs) and one transfer's page with every file it moved."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from l2portal.portal.filtering import filtered_rows
from l2portal.portal.tables import portal_table

from .. import selectors
from ..filtersets import TransferFilter
from ..models import ObservingProgram, Transfer
from ..tables import TransferredFileTable, TransferTable


def transfer_list(request):
    """Every program's transfers, the latest first, filtered by status, purpose and program."""
    transfers = Transfer.objects.select_related("program", "requested_by")
    filterset = TransferFilter(request.GET or None, queryset=transfers)
    rows = filtered_rows(filterset)
    table = portal_table(request, TransferTable, rows)
    if table.wants_csv:
        return table.csv_response()
    return render(request, "programs/transfers.html", {"filterset": filterset, "table": table})


def transfers(request, pk):
    """The live part of the program page: its transfers, polled while one runs."""
    program = get_object_or_404(ObservingProgram, pk=pk)
    return render(
        request,
        "programs/_transfers.html",
        {"program": program, "transfers": selectors.program_transfers(program)},
    )


def transfer(request, pk, transfer_pk):
    """One transfer: every file, its size, how it was verified, its faults."""
    transfer = get_object_or_404(
        Transfer.objects.select_related("program", "requested_by"), pk=transfer_pk, program_id=pk
    )
    files = portal_table(request, TransferredFileTable, transfer.files.all())
    if files.wants_csv:
        return files.csv_response()
    return render(
        request, "programs/transfer.html", {"transfer": transfer, "program": transfer.program, "files": files}
    )
