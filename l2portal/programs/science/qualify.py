"""Decide whether an Observing Program can be inverted (ViSP only), recording why.

The thresholds and spectral lines are data (QualificationRules) so operators can change them
without a release. ViSP is the only instrument that can be inverted; datasets of other
instruments (VBI, ...) are listed with the OP but neither qualify nor disqualify it.

A ViSP OP is invertible when every ViSP dataset has Stokes I, Q, U, V; good health, an open GOS
and a locked AO on enough of its frames; and lies on the solar disk; and the OP's ViSP datasets
together contain the required lines (Fe I 630 nm by default).
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
from astropy import units as u
from astropy.constants import R_sun
from astropy.coordinates import get_body
from astropy.time import Time
from astropy.utils import iers

from l2portal.programs.science.grouping import ProgramGroup
from l2portal.programs.science.metadata import DatasetInventory

# Never fetch IERS tables: workers run offline and the Sun's distance needs no Earth orientation.
iers.conf.auto_download = False

NO_VISP_DETAIL = "no ViSP datasets; other instruments are not supported"
_FRACTION_SLACK = 1e-12  # so 75 of 100 frames passes a 0.75 threshold despite float rounding


@dataclass(frozen=True)
class SpectralLine:
    """A line looked for in an OP: by ion and wavelength in a dataset's spectralLines names
    ("Fe I (630.25 nm)"), or, where the store gives no names, by wavelength inside
    [wavelengthMin, wavelengthMax]."""

    name: str
    ion: str
    wavelengths_nm: tuple[float, ...]
    required: bool = False

    @property
    def check_name(self) -> str:
        return "line_" + re.sub(r"\W+", "_", self.name.lower()).strip("_")


DEFAULT_LINES = (
    SpectralLine("Fe I 630", "Fe I", (630.15, 630.25), required=True),
    SpectralLine("Ca II 854", "Ca II", (854.21,)),
    SpectralLine("Na I 589", "Na I", (589.59,)),
)


@dataclass(frozen=True)
class QualificationRules:
    instrument: str = "VISP"
    stokes: str = "IQUV"
    min_health_good_fraction: float = 0.75
    min_gos_open_fraction: float = 1.0
    min_ao_locked_fraction: float = 0.75
    require_on_disk: bool = True
    line_tolerance_nm: float = 0.05
    lines: tuple[SpectralLine, ...] = DEFAULT_LINES

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> QualificationRules:
        """Rules from settings or a database row; missing keys keep their defaults."""
        known = {key: value for key, value in values.items() if key in cls.__dataclass_fields__}
        if "lines" in known:
            known["lines"] = tuple(
                line if isinstance(line, SpectralLine) else _line_from_dict(line) for line in known["lines"]
            )
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _line_from_dict(values: Mapping[str, Any]) -> SpectralLine:
    return SpectralLine(
        name=values["name"],
        ion=values["ion"],
        wavelengths_nm=tuple(float(w) for w in values["wavelengths_nm"]),
        required=bool(values.get("required", False)),
    )


@dataclass(frozen=True)
class Check:
    passed: bool
    value: Any
    threshold: Any
    detail: str = ""


@dataclass(frozen=True)
class Qualification:
    invertible: bool
    checks: dict[str, Check]
    lines: list[str] = field(default_factory=list)

    @property
    def failed(self) -> dict[str, Check]:
        return {name: check for name, check in self.checks.items() if not check.passed}

    def to_dict(self) -> dict[str, Any]:
        return {
            "invertible": self.invertible,
            "checks": {name: asdict(check) for name, check in self.checks.items()},
            "lines": list(self.lines),
        }


# --- Solar radius -------------------------------------------------------------------------------

_radius_by_day: dict[date, float] = {}
_radius_lock = threading.Lock()


def solar_radius_arcsec(days: Iterable[date]) -> dict[date, float]:
    """Apparent solar radius (arcsec) seen from Earth's centre at noon UTC of each day.

    asin(R_sun / Earth-Sun distance), with the distance from astropy's built-in ephemeris.
    Cached per day and computed for all new days in one vectorised call, because a scan of
    100,000 datasets spans only a few hundred observing days.
    """
    wanted = set(days)
    with _radius_lock:
        missing = sorted(wanted - _radius_by_day.keys())
        if missing:
            noons = Time([datetime.combine(day, time(12), tzinfo=UTC) for day in missing], scale="utc")
            distance = get_body("sun", noons).distance
            radius = np.arcsin((R_sun / distance).to_value(u.dimensionless_unscaled)) * u.rad
            _radius_by_day.update(zip(missing, radius.to_value(u.arcsec).tolist(), strict=True))
        return {day: _radius_by_day[day] for day in wanted}


def _observation_day(dataset: DatasetInventory) -> date | None:
    moment = dataset.start_time or dataset.end_time
    return None if moment is None else moment.astimezone(UTC).date()


# --- Spectral lines -----------------------------------------------------------------------------

_LINE_NAME = re.compile(r"^\s*(?P<ion>[A-Z][a-z]?\s+[IVX]+)\b[^(]*(?:\(\s*(?P<nm>\d+(?:\.\d+)?)\s*nm\s*\))?")


@functools.lru_cache(maxsize=4096)
def _parse_line_name(text: str) -> tuple[str, float | None] | None:
    # Names repeat across thousands of datasets, hence the cache.
    match = _LINE_NAME.match(text)
    if not match:
        return None
    ion = " ".join(match["ion"].split())
    return ion, (float(match["nm"]) if match["nm"] else None)


def _names_line(text: str, line: SpectralLine, tolerance_nm: float) -> bool:
    parsed = _parse_line_name(text)
    if parsed is None or parsed[0] != line.ion or parsed[1] is None:
        return False
    return any(abs(parsed[1] - wavelength) <= tolerance_nm for wavelength in line.wavelengths_nm)


def identify_lines(
    dataset: DatasetInventory, lines: Sequence[SpectralLine], tolerance_nm: float = 0.05
) -> list[str]:
    """Names of ``lines`` found in one dataset: from spectralLines, else from its wavelength range."""
    if dataset.spectral_lines is not None:
        return [
            line.name
            for line in lines
            if any(_names_line(text, line, tolerance_nm) for text in dataset.spectral_lines)
        ]
    low, high = dataset.wavelength_min, dataset.wavelength_max
    if low is None or high is None:
        return []
    return [line.name for line in lines if any(low <= w <= high for w in line.wavelengths_nm)]


# --- Checks -------------------------------------------------------------------------------------


def _fraction(count: int, frames: int | None) -> float:
    return count / frames if frames else 0.0


def _listing(failures: list[str], limit: int = 10) -> str:
    more = f" and {len(failures) - limit} more" if len(failures) > limit else ""
    return ", ".join(failures[:limit]) + more


def _frame_fraction_check(
    datasets: Sequence[DatasetInventory], counted: str, count_of, threshold: float
) -> Check:
    """Every dataset needs count_of(dataset)/frameCount >= threshold; value is the worst fraction."""
    fractions = [(d.dataset_id, _fraction(count_of(d), d.frame_count)) for d in datasets]
    failures = [
        f"{dataset_id} ({value:.1%})"
        for dataset_id, value in fractions
        if value + _FRACTION_SLACK < threshold
    ]
    worst = min(value for _, value in fractions)
    detail = f"{counted} below {threshold:.0%} of frames in: {_listing(failures)}" if failures else ""
    return Check(not failures, round(worst, 6), threshold, detail)


def _stokes_check(datasets: Sequence[DatasetInventory], wanted: str) -> Check:
    target = sorted(wanted.upper())
    found = sorted({d.stokes_parameters or "" for d in datasets})
    failures = [
        f"{d.dataset_id} ({d.stokes_parameters or 'none'})"
        for d in datasets
        if sorted(c for c in (d.stokes_parameters or "").upper() if c.isalpha()) != target
    ]
    detail = f"Stokes parameters are not exactly {wanted} in: {_listing(failures)}" if failures else ""
    return Check(not failures, found, wanted, detail)


def _on_disk_check(datasets: Sequence[DatasetInventory], radius_by_day: Mapping[date, float]) -> Check:
    """Each bounding-box corner must lie strictly inside the apparent solar radius of its day.

    value is the largest corner distance as a fraction of the solar radius (must stay below 1).
    """
    worst = 0.0
    failures = []
    for dataset in datasets:
        day = _observation_day(dataset)
        if dataset.bounding_box is None or day is None:
            failures.append(f"{dataset.dataset_id} (no bounding box or date)")
            worst = math.inf
            continue
        radius = radius_by_day[day]
        distance = max(math.hypot(x, y) for x, y in dataset.bounding_box.corners())
        worst = max(worst, distance / radius)
        if distance >= radius:
            failures.append(f'{dataset.dataset_id} (corner at {distance:.1f}" > limb {radius:.1f}" on {day})')
    detail = f"off the solar disk: {_listing(failures)}" if failures else ""
    return Check(not failures, None if math.isinf(worst) else round(worst, 6), 1.0, detail)


def _visp_datasets(datasets: Iterable[DatasetInventory], instrument: str) -> list[DatasetInventory]:
    wanted = instrument.upper()
    return [d for d in datasets if (d.instrument_name or "").upper() == wanted]


def qualify_datasets(
    datasets: Iterable[DatasetInventory],
    rules: QualificationRules | None = None,
    radius_by_day: Mapping[date, float] | None = None,
) -> Qualification:
    """Qualify the current datasets of one OP. ``radius_by_day`` may be prefetched for a batch."""
    rules = rules or QualificationRules()
    visp = _visp_datasets(datasets, rules.instrument)
    if not visp:
        return Qualification(False, {"visp_datasets": Check(False, 0, 1, NO_VISP_DETAIL)}, [])

    checks = {
        "visp_datasets": Check(True, len(visp), 1),
        "stokes": _stokes_check(visp, rules.stokes),
        "health": _frame_fraction_check(
            visp, "health GOOD", lambda d: d.health.good, rules.min_health_good_fraction
        ),
        "gos": _frame_fraction_check(
            visp, "GOS open", lambda d: d.gos_status.open, rules.min_gos_open_fraction
        ),
        "ao": _frame_fraction_check(visp, "AO locked", lambda d: d.ao_locked, rules.min_ao_locked_fraction),
    }
    if rules.require_on_disk:
        if radius_by_day is None:
            radius_by_day = solar_radius_arcsec(filter(None, map(_observation_day, visp)))
        checks["on_disk"] = _on_disk_check(visp, radius_by_day)

    found: set[str] = set()
    for dataset in visp:
        found.update(identify_lines(dataset, rules.lines, rules.line_tolerance_nm))
    for line in rules.lines:
        if line.required:
            present = line.name in found
            detail = "" if present else f"no ViSP dataset contains {line.name} nm"
            checks[line.check_name] = Check(present, present, True, detail)

    lines = [line.name for line in rules.lines if line.name in found]
    return Qualification(all(check.passed for check in checks.values()), checks, lines)


def qualify_program(program: ProgramGroup, rules: QualificationRules | None = None) -> Qualification:
    return qualify_datasets(program.datasets, rules)


def qualify_programs(
    programs: Iterable[ProgramGroup], rules: QualificationRules | None = None
) -> dict[str, Qualification]:
    """Qualify many OPs, computing the solar radius for all their observing days at once."""
    rules = rules or QualificationRules()
    programs = list(programs)
    days = {
        day
        for program in programs
        for dataset in _visp_datasets(program.datasets, rules.instrument)
        if (day := _observation_day(dataset)) is not None
    }
    radius_by_day = solar_radius_arcsec(days) if rules.require_on_disk else {}
    return {
        program.program_id: qualify_datasets(program.datasets, rules, radius_by_day) for program in programs
    }
