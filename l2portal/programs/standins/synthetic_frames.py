"""Deterministic synthetic files for the demo, the tests and the benchmark: ViSP L1 frames as the
DKIST data center publishes them, and the three files an inversion code writes. Pure: no Django.

L1 frames follow the data center's layout: one file per raster step and Stokes parameter, named
``VISP_<DATE-BEG>_<wavelength pm>_<I|Q|U|V>_<datasetId>_L1.fits``, an empty primary HDU and the
frame as a tile-compressed image whose header carries what the Level 2 generator reads (SPEC-0214:
observation, telescope, data center, DKIST operations, adaptive optics, the helioprojective WCS and
its equatorial alternate ``A``). A dataset lies at ``<root>/<bucket>/<proposalId>/<datasetId>/``,
as on the data center's L1 Globus collection.

The inversion results are a model atmosphere as an inversion code writes it, in its own units: a
grey atmosphere (temperature from the Eddington relation, positive and rising with optical depth;
pressures and density falling with height) with a sunspot-like field in gauss, inclinations and
azimuths in degrees (azimuths in (-180, 180], which the published frames wrap into [0, 360)),
velocities in cm/s; and Stokes profiles of each line that follow the field and the velocity.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from astropy.io import fits

from l2portal.files import atomic_output
from l2portal.programs.science.inversion import (
    FIT_PROFILES_FILE,
    ORIGINAL_PROFILES_FILE,
    QUANTITIES_FILE,
    InversionFiles,
)
from l2portal.programs.science.metadata import DatasetInventory
from l2portal.programs.science.quantities import (
    MILLIANGSTROM_PER_NM,
    PROFILE_LINES,
    QUANTITIES,
    QUANTITY_INDEX,
)
from l2portal.programs.standins.synthetic import FIRST_OBSERVATION

STOKES = "IQUV"
N_WAVELENGTHS = 12  # per L1 frame
SLIT_PIXELS = 20  # along the slit, per L1 frame
PIXELS_PER_BIN = 4  # the inversion bins the slit: SLIT_PIXELS / PIXELS_PER_BIN slit positions
RASTER_STEP_S = 4.0
RASTER_STEP_ARCSEC = 0.041
SLIT_SCALE_ARCSEC = 0.0298
EXPOSURE_S = 2.0
# ViSP arms by their (VSPARMID, central wavelength in nm); the Fe I arm is the fiducial one.
ARM_IDS = ((1, 630.2), (2, 854.2), (3, 589.6))
FIDUCIAL_ARM = 1
SPEED_OF_LIGHT_CM_S = 2.99792458e10
T_EFFECTIVE = 5772.0
BOLTZMANN_CGS, HYDROGEN_MASS_G, MEAN_MOLECULAR_WEIGHT = 1.380649e-16, 1.6735575e-24, 1.3
SCALE_HEIGHT_KM = 120.0
LANDE_G = 2.0


def arm_id(dataset: DatasetInventory) -> int:
    """VSPARMID of a ViSP dataset: the arm whose central wavelength is nearest its range."""
    centre = ((dataset.wavelength_min or 0.0) + (dataset.wavelength_max or 0.0)) / 2
    return min(ARM_IDS, key=lambda arm: abs(arm[1] - centre))[0]


def dataset_folder(root: str | os.PathLike, dataset: DatasetInventory) -> Path:
    return Path(root) / (dataset.bucket or "data") / (dataset.primary_proposal_id or "") / dataset.dataset_id


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y_%m_%dT%H_%M_%S_") + f"{moment.microsecond // 1000:03d}"


def l1_frame_name(dataset: DatasetInventory, moment: datetime, stokes: str) -> str:
    centre_pm = round(((dataset.wavelength_min or 0) + (dataset.wavelength_max or 0)) * 500)
    return f"VISP_{_stamp(moment)}_{centre_pm:08d}_{stokes}_{dataset.dataset_id}_L1.fits"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def _wcs_cards(header: fits.Header, dataset: DatasetInventory, step: int) -> None:
    """Helioprojective WCS (slit along HPLT, raster along HPLN, a small rotation between them)
    and its equatorial alternate A, as ViSP L1 frames carry them."""
    low, high = dataset.wavelength_min or 0.0, dataset.wavelength_max or 0.0
    box = dataset.bounding_box
    x0, y0 = (box.x2, box.y2) if box is not None else (0.0, 0.0)
    angle = math.radians(2.5)
    cos, sin = math.cos(angle), math.sin(angle)
    header["WCSAXES"], header["WCSAXESA"] = 3, 3
    header["WCSNAME"] = "Helioprojective-cartesian"
    header["WCSNAMEA"] = "Equatorial equinox J2000"
    header["LONPOLE"], header["LONPOLEA"] = (180.0, "[deg]"), (180.0, "[deg]")
    # Each raster step moves the slit one pixel along the (rotated) raster axis.
    moved_slit, moved_raster = SLIT_SCALE_ARCSEC * -sin * step, RASTER_STEP_ARCSEC * cos * step
    axes = {
        "": (
            ("HPLT-TAN", "arcsec", y0 + moved_slit, SLIT_SCALE_ARCSEC),
            ("HPLN-TAN", "arcsec", x0 + moved_raster, RASTER_STEP_ARCSEC),
        ),
        "A": (
            ("DEC--TAN", "deg", 22.5 + (y0 + moved_slit) / 3600, SLIT_SCALE_ARCSEC / 3600),
            ("RA---TAN", "deg", 140.0 + (x0 + moved_raster) / 3600, RASTER_STEP_ARCSEC / 3600),
        ),
    }
    for alt, (slit, raster) in axes.items():
        for number, (ctype, cunit, crval, cdelt, crpix) in (
            (1, (*slit, (SLIT_PIXELS + 1) / 2)),
            (2, ("AWAV", "nm", low, (high - low) / max(N_WAVELENGTHS - 1, 1), 1.0)),
            (3, (*raster, 1.0)),
        ):
            header[f"CTYPE{number}{alt}"] = ctype
            header[f"CUNIT{number}{alt}"] = cunit
            header[f"CRPIX{number}{alt}"] = crpix
            header[f"CRVAL{number}{alt}"] = crval
            header[f"CDELT{number}{alt}"] = cdelt
        matrix = ((cos, 0.0, -sin), (0.0, 1.0, 0.0), (sin, 0.0, cos))
        for i, row in enumerate(matrix, start=1):
            for j, value in enumerate(row, start=1):
                header[f"PC{i}_{j}{alt}"] = value


def l1_frame_header(dataset: DatasetInventory, moment: datetime, step: int, stokes: str) -> fits.Header:
    header = fits.Header()
    header["DATE-BEG"] = (_iso(moment), "Start of light exposure for the frame")
    header["DATE-END"] = (_iso(moment + timedelta(seconds=EXPOSURE_S)), "End of light exposure")
    header["DATE-AVG"] = (_iso(moment + timedelta(seconds=EXPOSURE_S / 2)), "Midpoint of the frame")
    header["TELAPSE"] = (EXPOSURE_S, "[s] DATE-END - DATE-BEG")
    header["TIMESYS"] = "UTC"
    header["OBJECT"] = "sunspot"
    header["INSTRUME"] = dataset.instrument_name or "VISP"
    header["DKISTVER"] = ("4.3.0", "Version of the DKIST FITS header format")
    header["DSETID"] = (dataset.dataset_id, "Unique ID of the dataset")
    header["PRODUCT"] = dataset.product_id or dataset.dataset_id
    header["OBSPR_ID"] = dataset.observing_program_execution_id
    header["EXPER_ID"] = dataset.primary_experiment_id or ""
    header["PROP_ID"] = dataset.primary_proposal_id or ""
    header["DSP_ID"] = "id.11451.321784"
    header["IP_ID"] = dataset.instrument_program_execution_id or ""
    header["HLSVERS"] = "1.8.1"
    header["NPROPOS"], header["NEXPERS"] = 1, 1
    header["PROPID01"] = dataset.primary_proposal_id or ""
    header["EXPRID01"] = dataset.primary_experiment_id or ""
    header["TAZIMUTH"], header["ELEV_ANG"] = (112.3, "[deg]"), (47.8, "[deg]")
    header["TELTRACK"] = "Standard Differential Rotation Tracking"
    header["TELSCAN"] = "Raster"
    header["TTBLANGL"], header["TTBLTRCK"] = (38.2, "[deg]"), "fixed coude table angle"
    header["DATEREF"] = _iso(dataset.start_time or FIRST_OBSERVATION)
    header["OBSGEO-X"], header["OBSGEO-Y"], header["OBSGEO-Z"] = -5466045.256, -2404388.737, 2242133.887
    header["ROTCOMP"] = 1
    header["OBS_VR"] = (-2147.6, "[m/s]")
    header["OCS_CTRL"], header["FIDO_CFG"] = "auto", "[M9a,C2,C2a,C3,C3a,C4]"
    header["DSHEALTH"], header["LIGHTLVL"] = "GOOD", 398.7
    header["ATMOS_R0"], header["AO_LOCK"] = 0.096, True
    header["VSPARMID"] = (arm_id(dataset), "ViSP arm")
    header["VSPSTNUM"] = (step + 1, "raster step")
    header["STOKES"] = stokes
    header["WAVEMIN"] = (dataset.wavelength_min, "[nm] minimum wavelength")
    header["WAVEMAX"] = (dataset.wavelength_max, "[nm] maximum wavelength")
    for number, line in enumerate(dataset.spectral_lines or (), start=1):
        header[f"SPECLN{number:02d}"] = (line, "spectral line")
    _wcs_cards(header, dataset, step)
    return header


def _frame_data(rng: np.random.Generator, stokes: str) -> np.ndarray:
    offsets = np.linspace(-1.0, 1.0, N_WAVELENGTHS)[:, None]
    intensity = (
        1.0 - 0.6 * np.exp(-((offsets / 0.3) ** 2)) + rng.normal(0, 0.005, (N_WAVELENGTHS, SLIT_PIXELS))
    )
    signal = {
        "I": intensity,
        "Q": 0.01 * offsets * np.ones((1, SLIT_PIXELS)),
        "U": -0.01 * offsets * np.ones((1, SLIT_PIXELS)),
        "V": 0.05 * np.gradient(intensity, axis=0),
    }[stokes]
    return signal[None].astype(np.float32)  # (1, wavelength, slit): HPLN dummy, AWAV, HPLT


def iter_l1_frames(
    dataset: DatasetInventory, n_steps: int, *, seed: int = 0
) -> Iterator[tuple[str, fits.HDUList]]:
    """(file name, HDU list) of each L1 file of one ViSP dataset: ``n_steps`` raster steps of
    four Stokes parameters."""
    rng = np.random.default_rng([seed, n_steps, *dataset.dataset_id.encode()])
    start = dataset.start_time or FIRST_OBSERVATION
    for step in range(n_steps):
        moment = start + timedelta(seconds=RASTER_STEP_S * step)
        for stokes in STOKES:
            image = fits.CompImageHDU(
                _frame_data(rng, stokes),
                header=l1_frame_header(dataset, moment, step, stokes),
                compression_type="GZIP_2",
                quantize_level=0.0,
            )
            yield l1_frame_name(dataset, moment, stokes), fits.HDUList([fits.PrimaryHDU(), image])


def write_l1_frames(directory: str | os.PathLike, dataset: DatasetInventory, n_steps: int = 3) -> list[Path]:
    """Write the L1 files of ``n_steps`` raster steps of ``dataset`` into ``directory``; files
    already there are kept (their CHECKSUM comments carry the time they were written)."""
    paths = []
    for name, hdus in iter_l1_frames(dataset, n_steps):
        path = Path(directory) / name
        if not path.exists():
            with atomic_output(path) as temporary:
                hdus.writeto(temporary, overwrite=True, checksum=True)
        paths.append(path)
    return paths


def write_l1_source(root: str | os.PathLike, dataset: DatasetInventory, n_steps: int = 3) -> list[Path]:
    """The dataset's L1 files where a transfer finds them: ``<root>/<bucket>/<proposal>/<id>/``."""
    return write_l1_frames(dataset_folder(root, dataset), dataset, n_steps)


# --- Inversion results --------------------------------------------------------------------------


def _sunspot(n_frames: int, n_slit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Field strength (G), inclination and azimuth (deg) of a spot centred in the field."""
    y, x = np.meshgrid(
        np.arange(n_frames) - (n_frames - 1) / 2, np.arange(n_slit) - (n_slit - 1) / 2, indexing="ij"
    )
    radius = np.hypot(x, y) / max(n_frames, n_slit, 2) * 2  # 0 at the centre, ~1 at the edges
    strength = 50.0 + 2450.0 * np.exp(-((radius / 0.6) ** 2))
    inclination = 15.0 + 70.0 * np.clip(radius, 0.0, 1.0)
    azimuth = np.degrees(np.arctan2(y, x + 0.5))  # (-180, 180]: wrapped when published
    return strength, inclination, azimuth


def model_atmosphere(n_depth: int, n_frames: int, n_slit: int) -> np.ndarray:
    """(quantity, depth, frame y, slit x) in the inversion code's units (QUANTITIES order)."""
    log_tau = np.round(1.2 - 0.1 * np.arange(n_depth), 6)  # 1.2 up to -3.0 by default
    tau = (10.0**log_tau)[:, None, None]
    strength, inclination, azimuth = _sunspot(n_frames, n_slit)
    cool = 1.0 - 0.25 * (strength - strength.min()) / max(float(np.ptp(strength)), 1.0)  # spots are cooler
    temperature = T_EFFECTIVE * (0.75 * (tau + 2.0 / 3.0)) ** 0.25 * cool[None]
    gas_pressure = 1.2e5 * tau**0.7 * np.ones_like(temperature)  # dyn/cm^2, falling with height
    electron_pressure = gas_pressure * 1e-4 * (temperature / 5000.0) ** 4
    density = gas_pressure * MEAN_MOLECULAR_WEIGHT * HYDROGEN_MASS_G / (BOLTZMANN_CGS * temperature)  # g/cm^3
    height = -SCALE_HEIGHT_KM * np.log(tau) * np.ones_like(temperature)
    fading = 1.0 - 0.03 * (1.2 - log_tau)[:, None, None]  # the field weakens with height
    evershed = 1.5e5 * np.cos(np.radians(azimuth)) * (inclination / 90.0)  # cm/s
    cube = np.empty((len(QUANTITIES), n_depth, n_frames, n_slit))
    cube[QUANTITY_INDEX["opticalDepth"]] = log_tau[:, None, None]
    cube[QUANTITY_INDEX["temperature"]] = temperature
    cube[QUANTITY_INDEX["electronPressure"]] = electron_pressure
    cube[QUANTITY_INDEX["microturbulence"]] = 0.8e5 + 0.4e5 * (1.2 - log_tau)[:, None, None] / 3
    cube[QUANTITY_INDEX["magStrength"]] = strength[None] * fading
    cube[QUANTITY_INDEX["velocity"]] = evershed[None] * np.ones((n_depth, 1, 1))
    cube[QUANTITY_INDEX["magInclination"]] = inclination[None]
    cube[QUANTITY_INDEX["magAzimuth"]] = azimuth[None]
    cube[QUANTITY_INDEX["geoHeight"]] = height
    cube[QUANTITY_INDEX["gasPressure"]] = gas_pressure
    cube[QUANTITY_INDEX["density"]] = density
    return cube.astype(np.float32)


def stokes_profiles(atmosphere: np.ndarray, line_ids: tuple[int, ...], offsets_ma: np.ndarray) -> np.ndarray:
    """(stokes, wavelength, frame y, slit x): each line Doppler-shifted by the velocity at
    log tau ~ 0, V and Q/U from the weak-field approximation."""
    depth = int(np.argmin(np.abs(atmosphere[QUANTITY_INDEX["opticalDepth"], :, 0, 0])))
    velocity = atmosphere[QUANTITY_INDEX["velocity"], depth].astype(np.float64)
    strength = atmosphere[QUANTITY_INDEX["magStrength"], depth].astype(np.float64)
    gamma = np.radians(atmosphere[QUANTITY_INDEX["magInclination"], depth])
    chi = np.radians(atmosphere[QUANTITY_INDEX["magAzimuth"], depth])
    profiles = []
    for line_id in line_ids:
        known = PROFILE_LINES.get(line_id)  # an unknown id (for tests of refusals) sits at 600 nm
        centre_ma = (known.wavelength_nm if known else 600.0) * MILLIANGSTROM_PER_NM
        shift = centre_ma * velocity / SPEED_OF_LIGHT_CM_S  # mA, (y, x)
        delta = offsets_ma[:, None, None] - shift[None]
        width = 120.0
        intensity = 1.0 - 0.55 * np.exp(-((delta / width) ** 2))
        derivative = 0.55 * 2 * delta / width**2 * np.exp(-((delta / width) ** 2))
        centre_angstrom, per_angstrom = centre_ma / 1000.0, derivative * 1000.0
        v = -4.67e-13 * LANDE_G * centre_angstrom**2 * strength * np.cos(gamma) * per_angstrom
        linear = 0.02 * (strength / 2500.0) ** 2 * np.sin(gamma) ** 2 * (1 - intensity)
        profiles.append(np.stack([intensity, linear * np.cos(2 * chi), linear * np.sin(2 * chi), v]))
    return np.concatenate(profiles, axis=1).astype(np.float32)


def write_inversion_files(
    directory: str | os.PathLike,
    program_id: str,
    *,
    n_frames: int = 3,
    n_slit: int = SLIT_PIXELS // PIXELS_PER_BIN,
    n_depth: int = 43,
    wavelengths_per_line: int = 16,
    line_ids: tuple[int, ...] = (23, 4),
    pixels_per_bin: int = PIXELS_PER_BIN,
    fiducial_arm: int = FIDUCIAL_ARM,
    seed: int = 0,
) -> InversionFiles:
    """The three files an inversion code writes for one OP (its data center names), with the
    model atmosphere and its profiles; the original profiles are the fitted ones plus noise."""
    rng = np.random.default_rng(seed)
    directory = Path(directory)
    atmosphere = model_atmosphere(n_depth, n_frames, n_slit)
    offsets = np.linspace(-800.0, 800.0, wavelengths_per_line)
    fitted = stokes_profiles(atmosphere, line_ids, offsets)
    original = (fitted + rng.normal(0, 2e-3, fitted.shape)).astype(np.float32)
    all_offsets = np.tile(offsets, len(line_ids)).astype(np.float32)
    ids = np.repeat(np.asarray(line_ids, dtype=np.int32), wavelengths_per_line)
    base = fits.Header({"OBSPR_ID": program_id})
    fit_header = base.copy()
    fit_header["DESR-BIN"] = (pixels_per_bin, "slit pixels per bin")
    fit_header["DESR-FID"] = (fiducial_arm, "fiducial arm (VSPARMID)")
    files = InversionFiles(
        directory / QUANTITIES_FILE, directory / FIT_PROFILES_FILE, directory / ORIGINAL_PROFILES_FILE
    )
    contents = (
        (files.quantities, [fits.PrimaryHDU(atmosphere, header=base)]),
        (files.fit_profiles, [fits.PrimaryHDU(fitted, header=fit_header)]),
        (files.original_profiles, [fits.PrimaryHDU(original, header=base)]),
    )
    for path, hdus in contents:
        if path != files.quantities:
            hdus += [fits.ImageHDU(all_offsets), fits.ImageHDU(ids)]
        with atomic_output(path, overwrite=True) as temporary:
            fits.HDUList(hdus).writeto(temporary, overwrite=True)
    return files
