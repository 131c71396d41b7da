"""Scientists' pages: program list, program page, queue. Actions call services."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from l2portal.ledger.roles import OPERATOR, SCIENTIST, has_role

from . import services
from .api import ObservingProgramFilter
from .models import ObservingProgram, Scan

PAGE_SIZE = 50
SORTS = {
    "priority": ("-priority", "execution_id"),
    "newest": ("-last_changed", "execution_id"),
    "oldest": ("last_changed", "execution_id"),
    "changed": ("-state_changed_at", "execution_id"),
    "ready": ("ready_at", "execution_id"),
}
CHECK_LABELS = {
    "visp_datasets": "ViSP datasets",
    "stokes": "Stokes parameters",
    "health": "Frames with GOOD health (worst dataset)",
    "gos": "Frames with the GOS open (worst dataset)",
    "ao": "Frames with the AO locked (worst dataset)",
    "on_disk": "Field corner distance / solar radius (largest)",
}
FRACTION_CHECKS = {"health", "gos", "ao"}


def list_programs(request):
    base = ObservingProgram.objects.select_related("owner")
    filters = ObservingProgramFilter(request.GET, queryset=base)
    programs = filters.qs if filters.is_valid() else base.none()
    # Counts per state under the other filters, so the state links show what they would give.
    without_state = request.GET.copy()
    without_state.pop("state", None)
    others = ObservingProgramFilter(without_state, queryset=ObservingProgram.objects.all())
    counted = (
        dict(others.qs.values_list("state").annotate(n=Count("pk")).order_by()) if others.is_valid() else {}
    )
    sort = request.GET.get("sort", "priority")
    page = Paginator(programs.order_by(*SORTS.get(sort, SORTS["priority"])), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programs/list.html",
        {
            "page": page,
            "filters": request.GET,
            "sort": sort,
            "sorts": SORTS,
            "states": [
                (value, label, counted.get(value, 0)) for value, label in ObservingProgram.machine.states
            ],
            "total": sum(counted.values()),
            "query": query.urlencode(),
            "state_query": without_state.urlencode(),
        },
    )


def queue(request):
    """Next up for scientists: preprocessed programs by priority, and the user's own work."""
    waiting = ObservingProgram.objects.filter(state="preprocessed", owner__isnull=True).order_by(
        "-priority", "last_changed", "execution_id"
    )
    mine = ObservingProgram.objects.filter(owner=request.user).exclude(state="published")
    return render(
        request,
        "programs/queue.html",
        {
            "next_up": waiting[:25],
            "waiting_count": waiting.count(),
            "mine": mine.order_by("-state_changed_at"),
            "is_scientist": has_role(request.user, SCIENTIST),
        },
    )


def detail(request, pk):
    program = get_object_or_404(ObservingProgram.objects.select_related("owner", "manifest"), pk=pk)
    datasets = list(program.datasets.order_by("superseded", "instrument_name", "dataset_id"))
    rules, version = services.current_rules()
    user = request.user
    is_operator, is_scientist = has_role(user, OPERATOR), has_role(user, SCIENTIST)
    inversion = program.inversions.select_related("uploaded_by").prefetch_related("datasets").first()
    context = {
        "program": program,
        "datasets": datasets,
        "checks": _checks(program.qualification, {line.check_name: line.name for line in rules.lines}),
        "wavelengths": wavelength_chart(datasets, rules.lines),
        "timespan": time_chart(datasets),
        "transitions": program.transitions.all(),
        "inversion": inversion,
        "rules_version": version,
        "can": {
            "claim": is_scientist and program.state == "preprocessed" and program.owner_id is None,
            "release": program.state == "working" and (program.owner_id == user.pk or is_operator),
            "upload": program.state == "working" and program.owner_id == user.pk,
            "reassign": is_operator and program.state in ("preprocessed", "working"),
            "publish": is_operator and program.state == "inverted",
            "preprocess": is_operator and program.state in ("invertible", "preprocessed"),
            "retry": is_operator and program.state == "error",
            "requalify": is_operator,
            "priority": is_operator,
            "notes": is_operator or is_scientist,
        },
        "current_ids": [d.dataset_id for d in datasets if not d.superseded],
    }
    return render(request, "programs/detail.html", context)


def progress(request, pk):
    program = get_object_or_404(ObservingProgram, pk=pk)
    return render(request, "programs/_progress.html", {"program": program})


def scans(request):
    context = {"scans": Scan.objects.all()[:50], "can_scan": has_role(request.user, OPERATOR)}
    return render(request, "programs/scans.html", context)


@require_POST
def run_scan(request):
    if not has_role(request.user, OPERATOR):
        messages.error(request, "only operators start scans")
    else:
        services.request_scan(request.POST.get("proposal_id") or None)
        messages.success(request, "Scan started; it appears below when it has run.")
    return redirect("programs:scans")


ACTIONS = {
    "claim": (lambda program, request: services.claim(program, request.user), "Claimed: it is yours now."),
    "release": (lambda program, request: services.release(program, request.user), "Released."),
    "reassign": (
        lambda program, request: services.reassign(program, request.POST.get("username", ""), request.user),
        "Reassigned.",
    ),
    "publish": (
        lambda program, request: services.request_publish(program, request.user),
        "Publishing started.",
    ),
    "preprocess": (
        lambda program, request: services.request_preprocess(program, request.user),
        "Preprocessing started.",
    ),
    "notes": (
        lambda program, request: services.set_notes(program, request.POST.get("notes", ""), request.user),
        "Notes saved.",
    ),
    "priority": (lambda program, request: _set_priority(program, request), "Priority saved."),
    "requalify": (lambda program, request: services.requalify(program, request.user), "Qualified again."),
    "retry": (
        lambda program, request: services.retry_failed(program, request.user),
        "Sent back to the step that failed.",
    ),
}


def _set_priority(program, request):
    try:
        priority = int(request.POST.get("priority", ""))
    except ValueError:
        raise services.ActionRefused("priority must be a whole number") from None
    services.set_priority(program, priority, request.user)


@require_POST
def act(request, pk, name):
    program = get_object_or_404(ObservingProgram, pk=pk)
    if name not in ACTIONS:
        return HttpResponseNotAllowed(["POST"])
    run, done = ACTIONS[name]
    try:
        run(program, request)
    except services.ActionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("programs:detail", pk=program.pk)


@require_POST
def upload(request, pk):
    program = get_object_or_404(ObservingProgram, pk=pk)
    files = {kind: request.FILES.get(kind) for kind in services.INVERSION_FILE_KINDS}
    try:
        services.upload_inversion(
            program,
            request.user,
            files,
            request.POST.getlist("dataset_ids"),
            request.POST.get("software_commit", ""),
        )
    except services.ActionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Results uploaded and registered; the program is Inverted.")
    return redirect("programs:detail", pk=program.pk)


# --- Pictures -----------------------------------------------------------------------------------

CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, AXIS_HEIGHT = 760, 150, 16, 34


def _scale(low: float, high: float):
    span = (high - low) or 1.0
    plot = CHART_WIDTH - LABEL_WIDTH - 10

    def x(value: float) -> float:
        return round(LABEL_WIDTH + (value - low) / span * plot, 1)

    return x


def _ticks(low: float, high: float, count: int = 6) -> list[float]:
    step = (high - low) / (count - 1) if high > low else 1.0
    return [low + step * i for i in range(count)]


LINE_WINDOW_NM = 0.6  # half-width of each line's panel


def wavelength_chart(datasets, lines) -> dict | None:
    """One panel per spectral line of the rules (the line +-0.6 nm): each dataset's
    [wavelengthMin, wavelengthMax] as a bar where it covers the panel, the line as a mark.
    ViSP ranges are a fraction of a nm wide, so one axis across all lines would hide them."""
    ranged = [d for d in datasets if d.wavelength_min is not None and d.wavelength_max is not None]
    if not ranged or not lines:
        return None
    plot = CHART_WIDTH - LABEL_WIDTH - 10
    gap = 12
    panel_width = (plot - gap * (len(lines) - 1)) / len(lines)
    rows = [
        {
            "label": f"{d.dataset_id} {d.instrument_name or ''}",
            "y": i * ROW_HEIGHT,
            "superseded": d.superseded,
        }
        for i, d in enumerate(ranged)
    ]
    height = len(rows) * ROW_HEIGHT
    bars, marks, panels = [], [], []
    for number, line in enumerate(lines):
        low = min(line.wavelengths_nm) - LINE_WINDOW_NM
        high = max(line.wavelengths_nm) + LINE_WINDOW_NM
        left = LABEL_WIDTH + number * (panel_width + gap)

        def x(value, left=left, low=low, high=high):
            return round(left + (min(max(value, low), high) - low) / (high - low) * panel_width, 1)

        panels.append(
            {
                "x": round(left, 1),
                "width": round(panel_width, 1),
                "middle": round(left + panel_width / 2, 1),
                "label": f"{line.name}{' (required)' if line.required else ''}",
                "range": f"{low:.1f} to {high:.1f} nm",
            }
        )
        marks += [
            {"x": x(w), "required": line.required, "title": f"{line.name}: {w} nm"}
            for w in line.wavelengths_nm
        ]
        for row, dataset in zip(rows, ranged, strict=True):
            if dataset.wavelength_max < low or dataset.wavelength_min > high:
                continue
            start, end = x(dataset.wavelength_min), x(dataset.wavelength_max)
            bars.append(
                {
                    "x": start,
                    "width": max(end - start, 2.0),
                    "y": row["y"],
                    "superseded": dataset.superseded,
                    "title": f"{dataset.dataset_id}: {dataset.wavelength_min} to {dataset.wavelength_max} nm",
                }
            )
    return {
        "rows": rows,
        "bars": bars,
        "marks": marks,
        "panels": panels,
        "height": height,
        "total_height": height + AXIS_HEIGHT,
        "width": CHART_WIDTH,
    }


def time_chart(datasets) -> dict | None:
    """Each dataset's observing time [startTime, endTime] as a bar on a UTC time axis."""
    timed = [d for d in datasets if d.start_time is not None]
    if not timed:
        return None
    starts = [d.start_time.timestamp() for d in timed]
    ends = [(d.end_time or d.start_time).timestamp() for d in timed]
    low, high = min(starts), max(ends)
    pad = max((high - low) * 0.05, 60.0)
    low, high = low - pad, high + pad
    x = _scale(low, high)
    rows = []
    for index, (dataset, start, end) in enumerate(zip(timed, starts, ends, strict=True)):
        rows.append(
            {
                "label": f"{dataset.dataset_id} {dataset.instrument_name or ''}",
                "x": x(start),
                "width": max(x(end) - x(start), 2.0),
                "y": index * ROW_HEIGHT,
                "superseded": dataset.superseded,
                "title": f"{dataset.dataset_id}: {dataset.start_time:%Y-%m-%d %H:%M:%S} to "
                f"{(dataset.end_time or dataset.start_time):%H:%M:%S} UTC",
            }
        )
    height = len(rows) * ROW_HEIGHT
    first = datetime.fromtimestamp(low, tz=timed[0].start_time.tzinfo)
    return {
        "rows": rows,
        "bars": rows,
        "ticks": [
            {"x": x(t), "label": datetime.fromtimestamp(t, tz=first.tzinfo).strftime("%H:%M")}
            for t in _ticks(low, high)
        ],
        "height": height,
        "total_height": height + AXIS_HEIGHT,
        "width": CHART_WIDTH,
        "unit": f"UTC, {first:%Y-%m-%d}",
    }


def _shown(name: str, value) -> str:
    if value is None:
        return "—"
    if name in FRACTION_CHECKS and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) or "none" for v in value) or "none"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _checks(qualification: dict, line_names: dict[str, str]) -> list[dict]:
    rows = []
    for name, check in (qualification or {}).get("checks", {}).items():
        if name.startswith("line_"):
            label = f"{line_names.get(name, name[5:].replace('_', ' '))} line present"
        else:
            label = CHECK_LABELS.get(name, name)
        comparison = "≥" if name in FRACTION_CHECKS else ("<" if name == "on_disk" else "=")
        rows.append(
            {
                "name": name,
                "label": label,
                "passed": check.get("passed"),
                "value": _shown(name, check.get("value")),
                "threshold": f"{comparison} {_shown(name, check.get('threshold'))}",
                "detail": check.get("detail", ""),
            }
        )
    return rows
