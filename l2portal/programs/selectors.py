"""Read models of observing programs: the rules in force, the `list_programs --json` shape, counts
per state, the lists of the pages (programs, the queue, scans, a transfer's files), and what the
program page shows (checklist, wavelength and time charts, transfers, runs, files)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet

from l2portal.ledger.bulk import chunks
from l2portal.ledger.models import Execution
from l2portal.ledger.selectors import failure_of
from l2portal.registry.models import Product

from . import conf
from .models import Dataset, Inversion, ObservingProgram, QualificationRuleSet, Transfer
from .science.qualify import QualificationRules


def current_rules() -> tuple[QualificationRules, str]:
    """The rules in force: the newest QualificationRuleSet row, else the settings' rules."""
    row = QualificationRuleSet.objects.first()
    if row is not None:
        return QualificationRules.from_dict(row.rules), f"rule set {row.pk}: {row.name}"
    return conf.default_qualification_rules(), "settings"


# --- list_programs --json -----------------------------------------------------------------------


def program_summary(program: ObservingProgram, dataset_ids: Sequence[str]) -> dict:
    """The shape `list_programs --json` prints for one program."""
    qualification = program.qualification or {}
    return {
        "id": program.execution_id,
        "proposal": program.proposal_id,
        "instruments": list(program.instruments),
        "state": program.state,
        "dataset_ids": list(dataset_ids),
        "qualification": {
            "invertible": bool(qualification.get("invertible", False)),
            "checks": {
                name: {"passed": check["passed"], "value": check["value"], "threshold": check["threshold"]}
                for name, check in qualification.get("checks", {}).items()
            },
        },
    }


def program_summaries(programs: Iterable[ObservingProgram]) -> list[dict]:
    programs = list(programs)
    ids: dict[int, list[str]] = {program.pk: [] for program in programs}
    for chunk in chunks(list(ids)):
        rows = Dataset.objects.filter(program_id__in=chunk, superseded=False).order_by("dataset_id")
        for program_id, dataset_id in rows.values_list("program_id", "dataset_id"):
            ids[program_id].append(dataset_id)
    return [program_summary(program, ids[program.pk]) for program in programs]


# --- Counts and the queue -----------------------------------------------------------------------


def state_counts(programs: QuerySet[ObservingProgram]) -> dict[str, int]:
    """How many of ``programs`` are in each state (states without any left out)."""
    return dict(programs.values_list("state").annotate(n=Count("pk")).order_by())


def states_with_counts(counted: dict[str, int]) -> list[tuple[str, str, int]]:
    """(state, label, count) for every state, in the state machine's order."""
    return [(value, label, counted.get(value, 0)) for value, label in ObservingProgram.machine.states]


def my_programs(user) -> QuerySet[ObservingProgram]:
    """The user's own programs that are not published yet, the latest moved first."""
    return (
        ObservingProgram.objects.filter(owner=user).exclude(state="published").order_by("-state_changed_at")
    )


def waiting_programs() -> QuerySet[ObservingProgram]:
    """Next up for scientists: preprocessed programs nobody owns, by priority."""
    return ObservingProgram.objects.filter(state="preprocessed", owner__isnull=True).order_by(
        "-priority", "last_changed", "execution_id"
    )


# --- The program page ---------------------------------------------------------------------------


def program_page(program: ObservingProgram) -> dict:
    """What the program page shows of ``program``: why it failed (if it did), its datasets,
    qualification checklist, charts, history, transfers, runs and latest inversion with its files."""
    datasets = list(program.datasets.order_by("superseded", "instrument_name", "dataset_id"))
    rules, version = current_rules()
    inversion = program.inversions.select_related("uploaded_by", "asdf").prefetch_related("datasets").first()
    return {
        "program": program,
        "failure": failure_of(program),
        "datasets": datasets,
        "checks": checklist(program.qualification, {line.check_name: line.name for line in rules.lines}),
        "wavelengths": wavelength_chart(datasets, rules.lines),
        "timespan": time_chart(datasets),
        "transitions": program.transitions.all(),
        "inversion": inversion,
        "level2_frames": level2_frames(inversion) if inversion else [],
        "transfers": program_transfers(program),
        "runs": program_runs(program),
        "rules_version": version,
        "current_ids": [d.dataset_id for d in datasets if not d.superseded],
        "store_configured": bool(conf.metadata_store_url()),
        "globus": conf.transfer_backend_name() == "globus",
    }


TRANSFERS_SHOWN = 10
RUNS_SHOWN = 20


def program_transfers(program: ObservingProgram) -> list[Transfer]:
    return list(program.transfers.select_related("requested_by")[:TRANSFERS_SHOWN])


def program_runs(program: ObservingProgram) -> list[Execution]:
    """The task runs (and recorded service steps) for ``program``, newest first, with their logs."""
    kind = ContentType.objects.get_for_model(ObservingProgram)
    return list(
        Execution.objects.filter(subject_type=kind, subject_id=str(program.pk))
        .defer("software", "parameters")
        .order_by("-started_at", "-id")[:RUNS_SHOWN]
    )


def level2_frames(inversion: Inversion) -> list[Product]:
    """The inversion's Level 2 frames written so far, in frame order."""
    prefix = f"{conf.l2_collection_name()}/{inversion.program.proposal_id}/{inversion.inversion_id}/"
    return list(Product.objects.filter(product_type="level2_frame", path__startswith=prefix).order_by("path"))


def program_product(program: ObservingProgram, product_id: int) -> Product | None:
    """A product of ``program`` (manifest, inversion results, Level 2 frames, ASDF), else None."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        return None
    ids = {program.manifest_id}
    for inversion in program.inversions.all():
        ids |= {
            inversion.quantities_id,
            inversion.fit_profiles_id,
            inversion.original_profiles_id,
            inversion.asdf_id,
        }
        if product.product_type == "level2_frame" and product in level2_frames(inversion):
            return product
    return product if product.pk in ids else None


CHECK_LABELS = {
    "visp_datasets": "ViSP datasets",
    "stokes": "Stokes parameters",
    "health": "Frames with GOOD health (worst dataset)",
    "gos": "Frames with the GOS open (worst dataset)",
    "ao": "Frames with the AO locked (worst dataset)",
    "on_disk": "Field corner distance / solar radius (largest)",
}
FRACTION_CHECKS = {"health", "gos", "ao"}


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


def checklist(qualification: dict, line_names: dict[str, str]) -> list[dict]:
    """One row per qualification check: label, passed, value against its threshold, why."""
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


# --- Charts (SVG geometry for the program page) -------------------------------------------------

CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, AXIS_HEIGHT = 760, 150, 16, 34
LINE_WINDOW_NM = 0.6  # half-width of each line's panel


def _scale(low: float, high: float):
    span = (high - low) or 1.0
    plot = CHART_WIDTH - LABEL_WIDTH - 10

    def x(value: float) -> float:
        return round(LABEL_WIDTH + (value - low) / span * plot, 1)

    return x


def _ticks(low: float, high: float, count: int = 6) -> list[float]:
    step = (high - low) / (count - 1) if high > low else 1.0
    return [low + step * i for i in range(count)]


def wavelength_chart(datasets, lines) -> dict | None:
    """One panel per spectral line of the rules (the line +-0.6 nm): each dataset's
    [wavelengthMin, wavelengthMax] as a bar where it covers the panel, the line as a mark, and a
    sentence saying which lines the datasets cover. ViSP ranges are a fraction of a nm wide, so
    one axis across all lines would hide them; datasets outside every panel get no row."""
    ranged = [d for d in datasets if d.wavelength_min is not None and d.wavelength_max is not None]
    if not ranged or not lines:
        return None
    plot = CHART_WIDTH - LABEL_WIDTH - 10
    gap = 12
    panel_width = (plot - gap * (len(lines) - 1)) / len(lines)
    windows = [
        (min(ln.wavelengths_nm) - LINE_WINDOW_NM, max(ln.wavelengths_nm) + LINE_WINDOW_NM) for ln in lines
    ]
    shown = [
        d
        for d in ranged
        if any(d.wavelength_max >= low and d.wavelength_min <= high for low, high in windows)
    ]
    rows = [
        {
            "label": f"{d.dataset_id} {d.instrument_name or ''}",
            "y": i * ROW_HEIGHT,
            "superseded": d.superseded,
        }
        for i, d in enumerate(shown)
    ]
    height = max(len(rows), 1) * ROW_HEIGHT
    bars, marks, panels, coverage = [], [], [], []
    for number, (line, (low, high)) in enumerate(zip(lines, windows, strict=True)):
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
        covering = [
            d
            for d in shown
            if not d.superseded
            and any(d.wavelength_min <= w <= d.wavelength_max for w in line.wavelengths_nm)
        ]
        coverage.append({"line": line.name, "required": line.required, "datasets": len(covering)})
        marks += [
            {
                "x": x(w),
                "required": line.required,
                "title": f"{line.name}: {w} nm, in "
                f"{sum(d.wavelength_min <= w <= d.wavelength_max for d in covering)} current datasets",
            }
            for w in line.wavelengths_nm
        ]
        for row, dataset in zip(rows, shown, strict=True):
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
        "total_height": height + AXIS_HEIGHT + 14,
        "width": CHART_WIDTH,
        "x_title": "wavelength (nm), each panel a line's window",
        "x_title_y": height + AXIS_HEIGHT + 10,
        "coverage": coverage,
        "outside": len(ranged) - len(shown),
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
                f"{(dataset.end_time or dataset.start_time):%H:%M:%S} UTC ({(end - start) / 60:.0f} min)",
            }
        )
    height = len(rows) * ROW_HEIGHT
    first = datetime.fromtimestamp(low, tz=timed[0].start_time.tzinfo)
    durations = [(end - start) / 60 for start, end in zip(starts, ends, strict=True)]
    return {
        "rows": rows,
        "bars": rows,
        "begin": datetime.fromtimestamp(min(starts), tz=first.tzinfo),
        "end": datetime.fromtimestamp(max(ends), tz=first.tzinfo),
        "span_minutes": round((max(ends) - min(starts)) / 60),
        "shortest": round(min(durations)),
        "longest": round(max(durations)),
        "ticks": [
            {"x": x(t), "label": datetime.fromtimestamp(t, tz=first.tzinfo).strftime("%H:%M")}
            for t in _ticks(low, high)
        ],
        "height": height,
        "total_height": height + AXIS_HEIGHT,
        "width": CHART_WIDTH,
        "unit": f"UTC, {first:%Y-%m-%d}",
    }
