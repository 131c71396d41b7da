"""Runs: the list (filtered, a PortalTable) and one run's page: task, parameters, what it is about,
the files it read and wrote, software, host, worker, timing, and its whole log, followed live
while it runs (htmx asks for what was written since) and downloadable whole."""

from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from l2portal.registry.selectors import execution_rows, product_rows

from ...ledger import execution_log
from ...ledger.models import Execution, Tracked
from ...portal.downloads import ranged_file_response
from ...portal.filtering import filtered_rows
from ...portal.site import object_url
from ...portal.tables import portal_table
from ..filtersets import ExecutionFilter
from ..tables import ExecutionTable, ProductTable

LOG_POLL_SECONDS = 2


def execution_list(request):
    filterset = ExecutionFilter(request.GET or None, queryset=execution_rows())
    rows = filtered_rows(filterset)
    table = portal_table(request, ExecutionTable, rows)
    if table.wants_csv:
        return table.csv_response()
    return render(request, "registry/executions.html", {"filterset": filterset, "table": table})


def _subject(execution: Execution):
    """What the run was about (None if nothing, or if it is gone) and the link to its page."""
    if execution.subject_type is None:
        return None, None
    label = f"{execution.subject_type.app_label}.{execution.subject_type.model}"
    return execution.subject, object_url(label, execution.subject_id)


def _log(execution: Execution) -> dict:
    """The log as the page shows it first: the file's last part, or the tail kept on the row."""
    read = execution_log.tail(execution.log_file) if execution.log_file else None
    if read is None:
        return {"text": execution.log_tail, "offset": 0, "truncated": False, "from_file": False}
    text, offset, truncated = read
    return {"text": text, "offset": offset, "truncated": truncated, "from_file": True}


def execution_detail(request, pk):
    execution = get_object_or_404(Execution.objects.select_related("subject_type"), pk=pk)
    inputs = portal_table(
        request,
        ProductTable,
        product_rows(execution.inputs.order_by("path")),
        prefix="in-",
        caption="Files read",
    )
    outputs = portal_table(
        request,
        ProductTable,
        product_rows(execution.outputs.order_by("path")),
        prefix="out-",
        caption="Files written",
    )
    for table in (inputs, outputs):
        if table.wants_csv:
            return table.csv_response()
    subject, subject_url = _subject(execution)
    context = {
        "execution": execution,
        "subject": subject,
        "subject_url": subject_url,
        "subject_tracked": isinstance(subject, Tracked),
        "inputs": inputs,
        "outputs": outputs,
        "parameters": json.dumps(execution.parameters, indent=2, sort_keys=True, default=str),
        "software": sorted(execution.software.items()),
        "log": _log(execution),
        "poll_seconds": LOG_POLL_SECONDS,
    }
    return render(request, "registry/execution.html", context)


def _offset(request) -> int:
    try:
        return max(int(request.GET.get("after", 0)), 0)
    except ValueError:
        return 0


def execution_log_since(request, pk):
    """htmx: the lines written since byte ``after``, and the next poll while the run goes on; once
    it has ended, the page reloads to show how (status, error, files)."""
    execution = get_object_or_404(Execution.objects.only("pk", "status", "log_file"), pk=pk)
    after = _offset(request)
    read = execution_log.read_from(execution.log_file, after) if execution.log_file else None
    text, offset = read or ("", after)
    running = execution.status == Execution.Status.RUNNING
    response = render(
        request,
        "registry/_log_more.html",
        {
            "execution": execution,
            "text": text,
            "offset": offset,
            "running": running,
            "poll_seconds": LOG_POLL_SECONDS,
        },
    )
    if not running:
        response["HX-Refresh"] = "true"
    return response


def execution_log_file(request, pk):
    """The whole log file (resumable download)."""
    execution = get_object_or_404(Execution.objects.only("pk", "task_name", "log_file", "status"), pk=pk)
    path = execution_log.absolute(execution.log_file) if execution.log_file else None
    if path is None or not path.is_file():
        raise Http404(
            "this run's whole log is not on this site's data root (it ran before logs were kept, or on a "
            "host that does not share it); its page shows the last lines kept"
        )
    stat = path.stat()
    return ranged_file_response(
        path,
        request.headers.get("Range", ""),
        "text/plain; charset=utf-8",
        path.name,
        f"{stat.st_size:x}-{stat.st_mtime_ns:x}",
    )
