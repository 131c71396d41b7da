"""Deterministic synthetic metadata-store records for the demo, the tests, the benchmark and the
local metadata store (their L1 frames and inversion results: synthetic_frames). Pure: no Django,
no ledger.

Records are raw GraphQL ``datasetInventories`` items (camelCase dicts), so they go through the
same parser as the real store's answers. OP number ``i`` follows the scenario
``SCENARIOS[i % len(SCENARIOS)]``; each OP has 3 ViSP arms and 6 VBI filters, and every other
OP (and every invertible_reprocessed one) also carries an older, superseded reprocessing of its
ViSP arms: about 10.6 datasets per OP (10,000 OPs give about 106,000 datasets).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SCENARIOS = (
    "invertible",
    "invertible_reprocessed",  # the superseded reprocessing fails health, the current one passes
    "stokes_i_only",
    "low_health",
    "gos_not_open",
    "ao_unlocked",
    "off_disk",
    "no_fe_line",
    "fe_by_wavelength",  # spectralLines is null: Fe I found from the wavelength range
    "vbi_only",
)
INVERTIBLE_SCENARIOS = frozenset({"invertible", "invertible_reprocessed", "fe_by_wavelength"})

# (arm, wavelengthMin, wavelengthMax, spectralLines) of the ViSP arms.
VISP_ARMS = (
    ("fe", 630.05, 630.40, ("Fe I (630.15 nm)", "Fe I (630.25 nm)")),
    ("ca", 853.90, 854.50, ("Ca II (854.21 nm)",)),
    ("na", 589.30, 589.90, ("Na I D1 (589.59 nm)",)),
)
VBI_FILTERS_NM = (393.3, 430.5, 450.4, 486.1, 656.3, 789.0)

FIRST_OBSERVATION = datetime(2022, 6, 2, 17, 20, tzinfo=UTC)
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def scenario_for(index: int) -> str:
    return SCENARIOS[index % len(SCENARIOS)]


def _proposal(index: int, n_proposals: int) -> tuple[str, str]:
    number = 100 + index % n_proposals
    return f"pid_1_{number}", f"eid_1_{number}"


def program_id_for(index: int, n_proposals: int = 4) -> str:
    _, experiment = _proposal(index, n_proposals)
    return f"{experiment}_op{index:05d}_R001.{82000 + index}.{13964206 + index}"


def demo_scenarios(n_programs: int, n_proposals: int = 4) -> dict[str, str]:
    """observingProgramExecutionId -> scenario, for checking qualification of the demo data."""
    return {program_id_for(index, n_proposals): scenario_for(index) for index in range(n_programs)}


def _letters(number: int, width: int = 6) -> str:
    text = ""
    for _ in range(width):
        number, digit = divmod(number, 26)
        text = _ALPHABET[digit] + text
    return text


def iso_utc(moment: datetime) -> str:
    # The store writes naive UTC.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _distribution(rng: random.Random, centre: float, spread: float) -> dict[str, float]:
    values = sorted(centre + spread * (rng.random() - 0.5) for _ in range(5))
    return dict(zip(("min", "p25", "med", "p75", "max"), values, strict=True))


@dataclass(frozen=True)
class _DemoProgram:
    index: int
    proposal: str
    experiment: str
    program_id: str
    start: datetime
    box: tuple[float, float]  # lower-left corner (arcsec) of a 60" square field


def _record(
    rng: random.Random,
    program: _DemoProgram,
    dataset_id: str,
    instrument: str,
    instrument_program: str,
    product: str,
    created: datetime,
    wavelengths: tuple[float, float],
    spectral_lines: tuple[str, ...] | None,
    stokes: str,
    frames: int,
    *,
    healthy: float = 1.0,
    ao: float = 0.95,
    gos_closed: int = 0,
    span: tuple[int, int] = (0, 25),
) -> dict[str, Any]:
    good = int(frames * healthy)
    start = program.start + timedelta(minutes=span[0])
    x, y = program.box
    embargoed = program.index % 3 == 0
    return {
        "datasetId": dataset_id,
        "productId": product,
        "primaryProposalId": program.proposal,
        "primaryExperimentId": program.experiment,
        "observingProgramExecutionId": program.program_id,
        "instrumentProgramExecutionId": instrument_program,
        "instrumentName": instrument,
        "startTime": iso_utc(start),
        "endTime": iso_utc(start + timedelta(minutes=span[1])),
        "createDate": iso_utc(created),
        "updateDate": iso_utc(created + timedelta(hours=2)),
        "wavelengthMin": wavelengths[0],
        "wavelengthMax": wavelengths[1],
        "stokesParameters": stokes,
        "spectralLines": list(spectral_lines) if spectral_lines is not None else None,
        "frameCount": frames,
        "exposureTime": round(1.0 + 24.0 * rng.random(), 3),
        "boundingBox": f"({x + 60:.2f},{y + 60:.2f}),({x:.2f},{y:.2f})",
        "isEmbargoed": embargoed,
        "embargoEndDate": iso_utc(program.start + timedelta(days=365)) if embargoed else None,
        "bucket": "data",
        "browseMovieUrl": None,
        "health": {"good": good, "bad": None, "ill": (frames - good) or None, "unknown": None},
        "gosStatus": {
            "open": frames - gos_closed,
            "opening": None,
            "closed": gos_closed or None,
            "closing": None,
            "undefined": None,
        },
        "aoLocked": int(frames * ao),
        "lightLevel": _distribution(rng, 400.0, 20.0),
        "friedParameter": _distribution(rng, 0.09, 0.04),
    }


def _visp_span(index: int, arm: int) -> tuple[int, int]:
    """(minutes after the program's start, minutes long) of a ViSP arm: the arms of a program,
    and the programs, observe for different times (the first arm starts with the program)."""
    return (0 if arm == 0 else (7 * index + 11 * arm) % 20, 10 + (13 * index + 17 * arm) % 45)


def _coverage(index: int, scenario: str, arm: str, low: float, high: float, lines):
    """The wavelength range of a ViSP arm: some programs that are not invertible anyway observe
    beside the Ca II or Na I line, so their coverage of the lines is partly missing."""
    if scenario in INVERTIBLE_SCENARIOS:
        return low, high, lines
    if arm == "na" and index % 2 == 1:
        return 589.62, 589.95, None
    if arm == "ca" and index % 3 == 0:
        return 854.25, 854.60, None
    return low, high, lines


def generate_records(n_programs: int = 20, *, seed: int = 0, n_proposals: int = 4) -> list[dict[str, Any]]:
    """Raw dataset inventory records for ``n_programs`` OPs; same arguments, same records."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    serial = iter(range(1 << 30))

    for index in range(n_programs):
        scenario = scenario_for(index)
        proposal, experiment = _proposal(index, n_proposals)
        box = (
            (900.0, 300.0)
            if scenario == "off_disk"
            else (-600 + 1000 * rng.random(), -500 + 900 * rng.random())
        )
        program = _DemoProgram(
            index=index,
            proposal=proposal,
            experiment=experiment,
            program_id=program_id_for(index, n_proposals),
            # Spread observations over ~2 years so the solar radius varies between OPs.
            start=FIRST_OBSERVATION + timedelta(days=(index * 7) % 730, minutes=index % 300),
            box=box,  # off_disk: corners beyond ~950", past the limb on any date
        )
        created = program.start + timedelta(days=30, minutes=rng.randrange(600))

        if scenario != "vbi_only":
            visp_program = f"id.{85000 + index}.{60000 + index}"
            for number, (arm, low, high, lines) in enumerate(VISP_ARMS):
                if scenario == "no_fe_line" and arm == "fe":
                    continue
                low, high, lines = _coverage(index, scenario, arm, low, high, lines)
                is_fe = arm == "fe"
                frames = rng.randrange(400, 2000)
                product = f"L1-{program.program_id}-visp-{arm}"
                spectral_lines = None if scenario == "fe_by_wavelength" else lines
                stokes = "I" if scenario == "stokes_i_only" and is_fe else "IQUV"
                quality = {
                    "healthy": 0.70 if scenario == "low_health" and is_fe else 0.9,
                    "ao": 0.5 if scenario == "ao_unlocked" and is_fe else 0.9,
                    "gos_closed": 2 if scenario == "gos_not_open" and is_fe else 0,
                }
                versions = [(created, quality)]
                if index % 2 == 0 or scenario == "invertible_reprocessed":
                    older = {**quality, "healthy": 0.5} if scenario == "invertible_reprocessed" else quality
                    versions.insert(0, (created - timedelta(days=20), older))
                for created_at, settings in versions:
                    dataset_id = _letters(next(serial))
                    records.append(
                        _record(
                            rng,
                            program,
                            dataset_id,
                            "VISP",
                            visp_program,
                            product,
                            created_at,
                            (low, high),
                            spectral_lines,
                            stokes,
                            frames,
                            span=_visp_span(index, number),
                            **settings,
                        )
                    )

        vbi_program = f"id.{95000 + index}.{70000 + index}"
        for number, filter_nm in enumerate(VBI_FILTERS_NM):
            dataset_id, product = _letters(next(serial)), f"L1-{program.program_id}-vbi-{filter_nm}"
            records.append(
                _record(
                    rng,
                    program,
                    dataset_id,
                    "VBI",
                    vbi_program,
                    product,
                    created,
                    (filter_nm, filter_nm),
                    None,
                    "I",
                    rng.randrange(150, 200),
                    span=(2 + 4 * number + index % 7, 6 + (5 * index + 3 * number) % 12),
                )
            )
    return records


def inventory_response(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Wrap records the way the store answers a datasetInventories query."""
    return {"data": {"datasetInventories": records}}
