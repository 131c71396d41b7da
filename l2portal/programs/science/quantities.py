"""The eleven physical quantities of an inversion, in the order the inversion code writes them
(inv_res_mod.fits), each with the unit it comes in and the unit the DKIST data center publishes it
in (DKISTDC/level2 ``NSO/Image/Fits/Quantity.hs``, ``NSO/Image/Types/Quantity.hs``).

Pure: numpy only. Conversions are vectorised and return float32, as the published frames hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

GAUSS_PER_TESLA = 1e4
CM_S_PER_KM_S = 1e5
DYN_CM2_PER_N_M2 = 10.0
KG_M3_PER_G_CM3 = 1000.0


def _same(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _divide(by: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda values: (np.asarray(values, dtype=np.float64) / by).astype(np.float32)


def _multiply(by: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda values: (np.asarray(values, dtype=np.float64) * by).astype(np.float32)


def wrap_degrees(values: np.ndarray) -> np.ndarray:
    """Angles into [0, 360), as the data center's ``forcePositive360`` (``mod' 360``). A tiny
    negative angle rounds to 360.0 in float32; it is 0 on the circle and is written as 0."""
    wrapped = np.mod(np.asarray(values, dtype=np.float64), 360.0).astype(np.float32)
    wrapped[wrapped >= np.float32(360.0)] = 0.0
    return wrapped


@dataclass(frozen=True)
class Quantity:
    key: str  # the data center's name for it
    extname: str  # EXTNAME of its HDU in a Level 2 frame
    btype: str  # BTYPE: its IVOA unified content descriptor
    unit: str  # BUNIT as published
    input_unit: str  # as the inversion code writes it
    convert: Callable[[np.ndarray], np.ndarray]  # input unit -> published unit
    positive: bool = False  # a model atmosphere where it is not positive is not one


QUANTITIES = (
    Quantity("opticalDepth", "Log of Optical Depth at 500nm", "phys.absorption.opticalDepth", "", "", _same),
    Quantity("temperature", "Temperature", "phys.temperature", "K", "K", _same, positive=True),
    Quantity(
        "electronPressure",
        "Electron Pressure",
        "phys.electron;phys.pressure",
        "N/m^2",
        "dyn/cm^2",
        _divide(DYN_CM2_PER_N_M2),
        positive=True,
    ),
    Quantity(
        "microturbulence", "Microturbulence", "phys.veloc.microturb", "km/s", "cm/s", _divide(CM_S_PER_KM_S)
    ),
    Quantity("magStrength", "Magnetic Field Strength", "phys.magField", "T", "G", _divide(GAUSS_PER_TESLA)),
    Quantity(
        "velocity", "Line-of-sight Velocity", "spect.dopplerVeloc", "km/s", "cm/s", _divide(CM_S_PER_KM_S)
    ),
    Quantity(
        "magInclination",
        "Magnetic Field Inclination (w.r.t. line-of-sight)",
        "phys.magField;pos.angDistance",
        "deg",
        "deg",
        wrap_degrees,
    ),
    Quantity(
        "magAzimuth",
        "Magnetic Field Azimuth (w.r.t. line-of-sight)",
        "phys.magField;pos.azimuth",
        "deg",
        "deg",
        wrap_degrees,
    ),
    Quantity(
        "geoHeight",
        "Geometric Height above solar surface (tau ~ 1 at 500nm)",
        "phys.distance",
        "km",
        "km",
        _same,
    ),
    Quantity(
        "gasPressure",
        "Gas Pressure",
        "phys.pressure",
        "N/m^2",
        "dyn/cm^2",
        _divide(DYN_CM2_PER_N_M2),
        positive=True,
    ),
    Quantity(
        "density", "Density", "phys.density", "kg/m^3", "g/cm^3", _multiply(KG_M3_PER_G_CM3), positive=True
    ),
)
QUANTITY_INDEX = {quantity.key: index for index, quantity in enumerate(QUANTITIES)}
N_STOKES = 4


@dataclass(frozen=True)
class ProfileLine:
    name: str  # as the portal names lines (qualify.SpectralLine names)
    wavelength_nm: float  # the data center's midpoint of the line (NSO/Data/Spectra.hs)
    key: str  # the data center's name for it in the ASDF file (its SpectralLine shown)

    @property
    def ion(self) -> str:
        return self.name.rsplit(" ", 1)[0]


# The line ids the inversion code writes in the profiles' second extension (NSO/Image/Blanca.hs).
PROFILE_LINES = {
    23: ProfileLine("Fe I 630", 630.149, "FeI630"),
    9: ProfileLine("Na I 589", 589.29, "NaID"),
    4: ProfileLine("Ca II 854", 854.2, "CaII854"),
}
MILLIANGSTROM_PER_NM = 1e4
