"""Check the inversion results a science team uploads, and write the Level 2 FITS products.

An inversion of one OP comes back as three FITS files (the layout DKISTDC/level2 decodes):

* inverted quantities: primary HDU of shape (quantity=11, depth, frame y, slit x);
* fitted profiles and original profiles: primary HDU of shape (stokes=4, wavelength, frame y,
  slit x), a first extension with the wavelength offsets (mA from the line centre, one per
  wavelength) and a second with the spectral line id of each wavelength.

Frame y and slit x must agree between the three files, and the two profile files must have the
same shape. Each file's primary header must carry the keywords in ``REQUIRED_KEYWORDS`` (this
project's upload convention: the OP the results belong to).

Errors list every problem found, each naming its file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from astropy.io import fits

# (name, EXTNAME, BUNIT, factor from the inversion code's CGS units), in file order.
QUANTITIES = (
    ("opticalDepth", "Log of Optical Depth at 500nm", "", 1.0),
    ("temperature", "Temperature", "K", 1.0),
    ("electronPressure", "Electron Pressure", "N/m2", 0.1),  # dyn/cm2
    ("microTurbulence", "Microturbulence", "km/s", 1e-5),  # cm/s
    ("magStrength", "Magnetic Field Strength", "T", 1.0),
    ("velocity", "Line-of-sight Velocity", "km/s", 1e-5),  # cm/s
    ("magInclination", "Magnetic Field Inclination (w.r.t. line-of-sight)", "deg", 1.0),
    ("magAzimuth", "Magnetic Field Azimuth (w.r.t. line-of-sight)", "deg", 1.0),
    ("geoHeight", "Geometric Height above solar surface (tau ~ 1 at 500nm)", "km", 1.0),
    ("gasPressure", "Gas Pressure", "N/m2", 0.1),  # dyn/cm2
    ("density", "Density", "kg/m3", 1000.0),  # g/cm3
)
N_STOKES = 4
# Line ids the inversion code writes in the profiles' second extension.
PROFILE_LINE_IDS = {23: "Fe I 630", 9: "Na I 589", 4: "Ca II 854"}
REQUIRED_KEYWORDS = ("OBSPR_ID",)


class InversionFileError(ValueError):
    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("inversion results rejected:\n- " + "\n- ".join(self.problems))


@dataclass(frozen=True)
class InversionFiles:
    quantities: Path
    fit_profiles: Path
    original_profiles: Path

    def named(self) -> tuple[tuple[str, Path], ...]:
        return (
            ("inverted quantities", Path(self.quantities)),
            ("fitted profiles", Path(self.fit_profiles)),
            ("original profiles", Path(self.original_profiles)),
        )


@dataclass(frozen=True)
class InversionSummary:
    n_frames: int
    n_slit: int
    n_depth: int
    n_wavelengths: int
    lines: tuple[str, ...]


@dataclass
class _FileReport:
    label: str
    path: Path
    shape: tuple[int, ...] | None = None
    line_ids: tuple[int, ...] | None = None

    def describe(self) -> str:
        return f"{self.label} file {self.path.name}"


def _inspect(
    report: _FileReport, profile: bool, required: Sequence[str], program_id: str | None
) -> list[str]:
    problems = []
    name = report.describe()
    try:
        hdus = fits.open(report.path, memmap=True)
    except (OSError, ValueError, TypeError) as error:
        return [f"{name}: not a readable FITS file ({error})"]
    with hdus:
        try:
            primary = hdus[0]
            # shape comes from NAXISn: the data array is not read.
            shape = tuple(primary.shape)
            for keyword in required:
                if keyword not in primary.header:
                    problems.append(f"{name}: primary header lacks required keyword {keyword}")
            found_program = primary.header.get("OBSPR_ID")
            if program_id is not None and found_program is not None and found_program != program_id:
                problems.append(f"{name}: OBSPR_ID is {found_program!r}, expected {program_id!r}")

            axes = "(stokes, wavelength, y, x)" if profile else "(quantity, depth, y, x)"
            first_axis = N_STOKES if profile else len(QUANTITIES)
            if len(shape) != 4:
                problems.append(f"{name}: primary data must be 4-D {axes}, got shape {shape or 'none'}")
                return problems
            if shape[0] != first_axis:
                problems.append(
                    f"{name}: first axis must have {first_axis} entries {axes}, got shape {shape}"
                )
            report.shape = shape
            if profile:
                problems.extend(_inspect_wavelength_extensions(report, hdus, shape[1]))
        except (OSError, ValueError, TypeError) as error:
            problems.append(f"{name}: unreadable content ({error})")
    return problems


def _inspect_wavelength_extensions(report: _FileReport, hdus: fits.HDUList, n_wavelengths: int) -> list[str]:
    name = report.describe()
    if len(hdus) < 3:
        return [f"{name}: needs 2 extensions (wavelength offsets, line ids), has {len(hdus) - 1}"]
    problems = []
    for index, what in ((1, "wavelength offsets"), (2, "line ids")):
        ext_shape = tuple(hdus[index].shape)
        if ext_shape != (n_wavelengths,):
            problems.append(
                f"{name}: extension {index} ({what}) must be 1-D of length {n_wavelengths}, got {ext_shape}"
            )
    if problems:
        return problems
    ids = np.asarray(hdus[2].data)
    if not np.issubdtype(ids.dtype, np.integer) and not np.all(np.mod(ids, 1) == 0):
        return [f"{name}: extension 2 (line ids) must hold integers"]
    report.line_ids = tuple(int(i) for i in ids)
    unknown = sorted(set(report.line_ids) - PROFILE_LINE_IDS.keys())
    if unknown:
        problems.append(f"{name}: unknown line ids {unknown}; known: {sorted(PROFILE_LINE_IDS)}")
    return problems


def validate_inversion_files(
    files: InversionFiles,
    *,
    program_id: str | None = None,
    required_keywords: Sequence[str] = REQUIRED_KEYWORDS,
) -> InversionSummary:
    """Check the three uploaded files; raise InversionFileError listing every problem."""
    (q_label, q_path), (f_label, f_path), (o_label, o_path) = files.named()
    quantities, fitted, original = (
        _FileReport(q_label, q_path),
        _FileReport(f_label, f_path),
        _FileReport(o_label, o_path),
    )
    problems = []
    for report, profile in ((quantities, False), (fitted, True), (original, True)):
        problems.extend(_inspect(report, profile, required_keywords, program_id))

    shaped = [report for report in (quantities, fitted, original) if report.shape is not None]
    if len(shaped) > 1:
        reference = shaped[0]
        for report in shaped[1:]:
            if report.shape[2:] != reference.shape[2:]:
                problems.append(
                    f"{report.describe()}: (y, x) = {report.shape[2:]} does not match "
                    f"{reference.describe()} (y, x) = {reference.shape[2:]}"
                )
    if fitted.shape and original.shape and fitted.shape != original.shape:
        problems.append(
            f"{fitted.describe()}: shape {fitted.shape} differs from "
            f"{original.describe()} shape {original.shape}"
        )
    if fitted.line_ids and original.line_ids and fitted.line_ids != original.line_ids:
        problems.append(f"{fitted.describe()}: line ids differ from {original.describe()}")
    if problems:
        raise InversionFileError(problems)

    ids = fitted.line_ids or ()
    return InversionSummary(
        n_frames=quantities.shape[2],
        n_slit=quantities.shape[3],
        n_depth=quantities.shape[1],
        n_wavelengths=fitted.shape[1],
        lines=tuple(dict.fromkeys(PROFILE_LINE_IDS[i] for i in ids)),
    )


def level2_frame_name(program_id: str, frame_index: int) -> str:
    return f"L2_{program_id}_{frame_index:05d}.fits"


def write_level2_frame(
    path: str | os.PathLike,
    files: InversionFiles,
    frame_index: int,
    *,
    program_id: str,
    dataset_ids: Sequence[str],
    software_commit: str,
    created: datetime | None = None,
) -> None:
    """Write the Level 2 product of one frame (one slit position y) of validated inversion files.

    Overwrites ``path``: it is meant to be the temporary path of ``atomic_output``.
    HDUs: primary (provenance only), one image (depth, x) per quantity in SI-like units, then
    the fitted and original profiles (stokes, wavelength, x), the wavelength offsets and line ids.
    """
    created = created or datetime.now(UTC)
    primary = fits.PrimaryHDU()
    header = primary.header
    header["ORIGIN"] = ("l2portal", "software that wrote this file")
    header["OBSPR_ID"] = (program_id, "observing program")
    header["NDSETS"] = (len(dataset_ids), "number of L1 datasets inverted")
    # A long comma-joined list becomes a FITS long string (CONTINUE cards).
    header["DSETIDS"] = (",".join(dataset_ids), "L1 dataset ids inverted")
    header["SWCOMMIT"] = (software_commit, "l2portal software commit")
    header["FRAMEIDX"] = (frame_index, "frame (y) index within the inversion")
    header["DATE"] = (created.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds"), "UTC")

    with (
        fits.open(files.quantities, memmap=True) as quantities,
        fits.open(files.fit_profiles, memmap=True) as fitted,
        fits.open(files.original_profiles, memmap=True) as original,
    ):
        n_frames = quantities[0].shape[2]
        if not 0 <= frame_index < n_frames:
            raise IndexError(f"frame {frame_index} out of range: the inversion has {n_frames} frames")
        header["NFRAMES"] = (n_frames, "frames in the inversion")
        cube = np.asarray(quantities[0].section[:, :, frame_index, :], dtype=np.float32)
        hdus = [primary]
        for index, (_, extname, unit, factor) in enumerate(QUANTITIES):
            image = fits.ImageHDU((cube[index] * factor).astype(np.float32))
            # Set without a comment: the descriptive names leave no room for one on the card.
            image.header["EXTNAME"] = extname
            image.header["BUNIT"] = unit
            hdus.append(image)
        for extname, source in (("Fit Profiles", fitted), ("Original Profiles", original)):
            profile = np.asarray(source[0].section[:, :, frame_index, :], dtype=np.float32)
            hdus.append(fits.ImageHDU(profile, name=extname))
        hdus.append(fits.ImageHDU(np.asarray(fitted[1].data, dtype=np.float32), name="Wavelength Offsets"))
        hdus.append(fits.ImageHDU(np.asarray(fitted[2].data, dtype=np.int32), name="Line Ids"))
        fits.HDUList(hdus).writeto(path, overwrite=True)
