"""Check the inversion results a science team sends, by the web form or by Globus.

An inversion of one OP comes back as three FITS files, named as the data center names them
(DKISTDC/level2 ``NSO/Files/Image.hs``) and laid out as its generator decodes them
(``NSO/Image/Fits/Quantity.hs``, ``NSO/Image/Blanca.hs``):

* ``inv_res_mod.fits``, the inverted quantities: primary HDU of shape (quantity=11, depth,
  frame y, slit x), floating point, in the inversion code's units (see quantities.QUANTITIES);
* ``inv_res_pre.fits`` (fitted) and ``per_ori.fits`` (original profiles): primary HDU of shape
  (stokes=4, wavelength, frame y, slit x), floating point; extension 1 the wavelength offsets (mÅ
  from each line's centre), extension 2 the line id of each wavelength, one run per line. The
  fitted profiles' primary header carries ``DESR-BIN`` (slit pixels per bin) and ``DESR-FID``
  (the fiducial arm: the ``VSPARMID`` of the L1 dataset whose frames the inversion follows).

Everything is read, not only the headers: each file must hold all the data its header announces,
and the data is read in blocks of frames (never whole) to check that every value is finite, that
the model atmosphere is one (temperature, pressures and density positive) and that every pixel
shares one optical-depth grid. Errors list every problem found, each naming its file.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from .quantities import N_STOKES, PROFILE_LINES, QUANTITIES, QUANTITY_INDEX

QUANTITIES_FILE, FIT_PROFILES_FILE, ORIGINAL_PROFILES_FILE = (
    "inv_res_mod.fits",
    "inv_res_pre.fits",
    "per_ori.fits",
)
# What each file is called in messages, by InversionFiles' field names.
FILE_LABELS = {
    "quantities": "inverted quantities",
    "fit_profiles": "fitted profiles",
    "original_profiles": "original profiles",
}
SLICE_KEYWORDS = ("DESR-BIN", "DESR-FID")
FLOAT_BITPIX = (-32, -64)
BLOCK_ELEMENTS = 1 << 22  # values read at a time (16 MB of float32)
GRID_TOLERANCE = 1e-4  # log tau units

logger = logging.getLogger(__name__)


class InversionFileError(ValueError):
    """Every problem found; ``by_file`` the same, keyed by the file each is about (InversionFiles'
    field names), for a form that shows them next to the file's input."""

    def __init__(self, problems: Sequence[str], by_file: dict[str, list[str]] | None = None):
        self.problems = list(problems)
        self.by_file = by_file or {}
        super().__init__("inversion results rejected:\n- " + "\n- ".join(self.problems))


@dataclass(frozen=True)
class InversionFiles:
    quantities: Path
    fit_profiles: Path
    original_profiles: Path

    def named(self) -> tuple[tuple[str, Path], ...]:
        return tuple((FILE_LABELS[kind], Path(getattr(self, kind))) for kind in FILE_LABELS)


@dataclass(frozen=True)
class InversionSummary:
    n_frames: int
    n_slit: int
    n_depth: int
    n_wavelengths: int
    lines: tuple[str, ...]
    pixels_per_bin: int
    fiducial_arm: int
    log_tau_start: float  # the optical-depth grid, first value and step
    log_tau_step: float

    def as_dict(self) -> dict:
        return {**vars(self), "lines": list(self.lines)}


@dataclass(frozen=True)
class ExpectedFile:
    """One of the three files as the checks below want it, for the form that asks for it."""

    kind: str  # InversionFiles' field name
    label: str
    name: str
    shape: str  # the primary array, in numpy's (astropy's) axis order, NAXIS4 first
    holds: tuple[str, ...]  # what each entry of the first axis is, with its unit
    extensions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


def expected_files() -> tuple[ExpectedFile, ...]:
    """What the form asks for, from the same constants the checks use."""
    lines = ", ".join(f"{line_id} {line.name}" for line_id, line in PROFILE_LINES.items())
    profile_extensions = (
        "1: wavelength offsets, mÅ from each line's centre, one per wavelength",
        f"2: the line id of each wavelength, one run per line ({lines})",
    )
    profile_shape = f"(stokes {N_STOKES}, wavelength, y, x)"
    stokes = ("I", "Q", "U", "V")
    return (
        ExpectedFile(
            "quantities",
            FILE_LABELS["quantities"],
            QUANTITIES_FILE,
            f"(quantity {len(QUANTITIES)}, depth, y, x)",
            tuple(f"{q.extname} [{q.input_unit or 'no unit'}]" for q in QUANTITIES),
        ),
        ExpectedFile(
            "fit_profiles",
            FILE_LABELS["fit_profiles"],
            FIT_PROFILES_FILE,
            profile_shape,
            stokes,
            profile_extensions,
            (
                "DESR-BIN: slit pixels per bin, a positive integer",
                "DESR-FID: the fiducial arm, the VSPARMID of the L1 dataset the inversion follows",
            ),
        ),
        ExpectedFile(
            "original_profiles",
            FILE_LABELS["original_profiles"],
            ORIGINAL_PROFILES_FILE,
            profile_shape,
            stokes,
            profile_extensions,
        ),
    )


@dataclass
class _Report:
    label: str
    path: Path
    problems: list[str] = field(default_factory=list)
    shape: tuple[int, ...] | None = None
    line_ids: tuple[int, ...] | None = None
    header: fits.Header | None = None
    grid: np.ndarray | None = None

    @property
    def name(self) -> str:
        return f"{self.label} file {self.path.name}"

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.name}: {text}")


def _missing_bytes(hdus: fits.HDUList, index: int) -> int:
    """How many bytes of the data HDU ``index`` announces are not in the file."""
    hdu = hdus[index]
    announced = abs(hdu.header.get("BITPIX", 8)) // 8 * int(np.prod(hdu.shape)) if hdu.shape else 0
    start = hdus.fileinfo(index)["datLoc"]
    return max(0, start + announced - os.path.getsize(hdus.filename()))


def _frame_blocks(data: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(first frame, block) over axis 2 (frame y), a few megabytes at a time."""
    per_frame = max(1, data.size // max(data.shape[2], 1))
    step = max(1, BLOCK_ELEMENTS // per_frame)
    for start in range(0, data.shape[2], step):
        yield start, np.asarray(data[:, :, start : start + step, :])


QUANTITY_KEYS = tuple(q.key for q in QUANTITIES)
STOKES = ("I", "Q", "U", "V")


def _where(index: np.ndarray, first_frame: int, quantities: bool) -> str:
    lead, second, frame, slit = (int(i) for i in index)
    if quantities:
        return f"{QUANTITY_KEYS[lead]}, depth {second}, frame {frame + first_frame}, slit {slit}"
    return f"Stokes {STOKES[lead]}, wavelength {second}, frame {frame + first_frame}, slit {slit}"


def _check_values(report: _Report, data: np.ndarray, quantities: bool) -> None:
    """Every value finite; for the quantities, a model atmosphere on one optical-depth grid."""
    bad_count, first_bad = 0, None
    positive = [i for i, q in enumerate(QUANTITIES) if q.positive] if quantities else []
    not_positive: dict[int, int] = {}
    off_grid = 0
    depth_index = QUANTITY_INDEX["opticalDepth"]
    for start, block in _frame_blocks(data):
        finite = np.isfinite(block)
        if not finite.all():
            bad_count += int(block.size - np.count_nonzero(finite))
            if first_bad is None:
                first_bad = _where(np.argwhere(~finite)[0], start, quantities)
        for index in positive:
            below = np.count_nonzero(block[index] <= 0)
            if below:
                not_positive[index] = not_positive.get(index, 0) + below
        if quantities:
            if report.grid is None:
                report.grid = np.array(block[depth_index, :, 0, 0], dtype=np.float64)
            off_grid += int(
                np.count_nonzero(np.abs(block[depth_index] - report.grid[:, None, None]) > GRID_TOLERANCE)
            )
    if bad_count:
        report.problem(f"{bad_count} values are not finite (NaN or infinite), the first at {first_bad}")
    for index, count in not_positive.items():
        quantity = QUANTITIES[index]
        report.problem(
            f"{count} {quantity.key} values are not positive; a model atmosphere has positive "
            f"{quantity.extname.lower()} (in {quantity.input_unit})"
        )
    if off_grid:
        report.problem(
            f"{off_grid} optical depths differ from the first pixel's grid; every pixel needs one grid"
        )


def _check_grid(report: _Report) -> None:
    grid = report.grid
    if grid is None or grid.size < 2:
        return
    steps = np.diff(grid)
    if not (np.all(steps < 0) or np.all(steps > 0)) or np.ptp(steps) > GRID_TOLERANCE:
        report.problem(
            f"the optical-depth grid {grid.round(3).tolist()} is not evenly spaced; the frames' "
            "LOGTAU axis needs one step"
        )


def _structure_problem(path: Path) -> str | None:
    """What is wrong with the primary header's structure, read on its own: astropy, given a
    negative axis length, computes the next HDU's place before this one and reads forever."""
    with open(path, "rb") as handle:
        header = fits.Header.fromfile(handle)
    bitpix, naxis = header.get("BITPIX"), header.get("NAXIS")
    if bitpix not in (8, 16, 32, 64, -32, -64) or not isinstance(naxis, int) or not 0 <= naxis <= 999:
        return f"BITPIX {bitpix!r} and NAXIS {naxis!r} are not a FITS array's"
    lengths = [header.get(f"NAXIS{axis}") for axis in range(1, naxis + 1)]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in lengths):
        return f"axis lengths {lengths} must be whole numbers, none negative"
    return None


def _inspect(report: _Report, profile: bool, program_id: str | None) -> None:
    with warnings.catch_warnings():  # a truncated file is reported with its numbers, not warned of
        warnings.simplefilter("ignore", AstropyUserWarning)
        try:
            structure = _structure_problem(report.path)
            if structure is not None:
                report.problem(f"not a readable FITS file: {structure}")
                return
            hdus = fits.open(report.path, memmap=True)
        except FileNotFoundError:
            report.problem("not a readable FITS file: the file is missing")
            return
        except Exception as error:  # astropy raises many kinds on a file that is not FITS
            logger.info("%s: not FITS: %s: %s", report.path, type(error).__name__, error)
            report.problem(
                "not a readable FITS file: it does not begin with a FITS header; check that this is "
                "the file the inversion code wrote"
            )
            return
        try:
            _read(report, hdus, profile, program_id)
        except Exception as error:  # whatever a malformed file makes astropy raise is the file's problem
            logger.info("%s: unreadable: %s: %s", report.path, type(error).__name__, error)
            report.problem(
                "its content cannot be read as its header describes it (damaged or cut short); "
                "write it again with the inversion code"
            )
            report.shape = None


def _read(report: _Report, hdus: fits.HDUList, profile: bool, program_id: str | None) -> None:
    with hdus:
        primary = hdus[0]
        report.header = primary.header
        found_program = primary.header.get("OBSPR_ID")
        if program_id is not None and found_program is not None and found_program != program_id:
            report.problem(f"OBSPR_ID is {found_program!r}, expected {program_id!r}")
        if profile and report.label == "fitted profiles":
            for keyword in SLICE_KEYWORDS:
                value = primary.header.get(keyword)
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    report.problem(
                        f"primary header needs {keyword}, a positive integer, as the inversion code "
                        f"writes it (found {value!r})"
                    )
        axes = "(stokes, wavelength, y, x)" if profile else "(quantity, depth, y, x)"
        first_axis = N_STOKES if profile else len(QUANTITIES)
        shape = tuple(primary.shape)
        if len(shape) != 4:
            report.problem(f"primary data must be 4-D {axes}, got shape {shape or 'none'}")
            return
        if shape[0] != first_axis:
            report.problem(f"first axis must have {first_axis} entries {axes}, got shape {shape}")
            return
        if primary.header.get("BITPIX") not in FLOAT_BITPIX:
            report.problem(
                "primary data must be floating point (BITPIX -32 or -64), "
                f"not BITPIX {primary.header.get('BITPIX')}"
            )
            return
        missing = _missing_bytes(hdus, 0)
        if missing:
            report.problem(
                f"truncated: its header announces {shape} values but {missing:,} bytes of them "
                "are not in the file"
            )
            return
        if profile and not _inspect_wavelength_extensions(report, hdus, shape[1]):
            return
        report.shape = shape
        _check_values(report, primary.data, quantities=not profile)
        if not profile:
            _check_grid(report)


def _inspect_wavelength_extensions(report: _Report, hdus: fits.HDUList, n_wavelengths: int) -> bool:
    try:
        hdus[2]  # loaded as far as needed: a file with more HDUs is not read beyond them
    except IndexError:
        report.problem(f"needs 2 extensions (wavelength offsets, line ids), has {len(hdus) - 1}")
        return False
    ok = True
    for index, what in ((1, "wavelength offsets"), (2, "line ids")):
        if tuple(hdus[index].shape) != (n_wavelengths,) or _missing_bytes(hdus, index):
            report.problem(
                f"extension {index} ({what}) must hold {n_wavelengths} values, one per wavelength; "
                f"has shape {tuple(hdus[index].shape)}"
                + (" and is truncated" if tuple(hdus[index].shape) and _missing_bytes(hdus, index) else "")
            )
            ok = False
    if not ok:
        return False
    offsets = np.asarray(hdus[1].data, dtype=np.float64)
    if not np.isfinite(offsets).all():
        report.problem("extension 1 (wavelength offsets) holds values that are not finite")
        ok = False
    ids = np.asarray(hdus[2].data)
    if not np.issubdtype(ids.dtype, np.integer) and not np.all(np.mod(ids, 1) == 0):
        report.problem("extension 2 (line ids) must hold integers")
        return False
    report.line_ids = tuple(int(i) for i in ids)
    unknown = sorted(set(report.line_ids) - PROFILE_LINES.keys())
    if unknown:
        report.problem(f"unknown line ids {unknown}; known: {sorted(PROFILE_LINES)}")
        ok = False
    runs = [line for i, line in enumerate(report.line_ids) if i == 0 or report.line_ids[i - 1] != line]
    if len(runs) != len(set(runs)):
        report.problem(f"line ids must come in one run per line (one arm after the other), got runs {runs}")
        ok = False
    return ok


def validate_inversion_files(files: InversionFiles, *, program_id: str | None = None) -> InversionSummary:
    """Check the three files; raise InversionFileError listing every problem found."""
    (q_label, q_path), (f_label, f_path), (o_label, o_path) = files.named()
    quantities, fitted, original = (
        _Report(q_label, q_path),
        _Report(f_label, f_path),
        _Report(o_label, o_path),
    )
    _inspect(quantities, False, program_id)
    _inspect(fitted, True, program_id)
    _inspect(original, True, program_id)

    # A problem between two files is told of the later one, next to its own.
    shaped = [report for report in (quantities, fitted, original) if report.shape is not None]
    for report in shaped[1:]:
        if report.shape[2:] != shaped[0].shape[2:]:
            report.problem(
                f"(y, x) = {report.shape[2:]} does not match {shaped[0].name} (y, x) = {shaped[0].shape[2:]}"
            )
    if fitted.shape and original.shape and fitted.shape != original.shape:
        fitted.problem(f"shape {fitted.shape} differs from {original.name} shape {original.shape}")
    if fitted.line_ids and original.line_ids and fitted.line_ids != original.line_ids:
        fitted.problem(f"line ids differ from {original.name}")
    reports = dict(zip(FILE_LABELS, (quantities, fitted, original), strict=True))
    problems = [problem for report in reports.values() for problem in report.problems]
    if problems:
        raise InversionFileError(problems, {kind: r.problems for kind, r in reports.items() if r.problems})

    grid = quantities.grid
    return InversionSummary(
        n_frames=quantities.shape[2],
        n_slit=quantities.shape[3],
        n_depth=quantities.shape[1],
        n_wavelengths=fitted.shape[1],
        lines=tuple(dict.fromkeys(PROFILE_LINES[i].name for i in fitted.line_ids)),
        pixels_per_bin=int(fitted.header["DESR-BIN"]),
        fiducial_arm=int(fitted.header["DESR-FID"]),
        log_tau_start=round(float(grid[0]), 6),
        log_tau_step=round(float(np.mean(np.diff(grid))), 6) if grid.size > 1 else 0.0,
    )
