"""McIlwain B/B0 and L, invariant latitude and LAMBDA of points in an IGRF field.

As astro ``IGRField::compute`` derived them: |B| at the point, L from the field-line integral
(``fieldline.shell_parameter``), B0 from the minimum search (``fieldline.equator_field``; where it
does not settle, B0 = M / L^3), B_MCILWAIN = |B| / B0 (a ratio, though the FT2 unit keyword says
Gauss), invariant latitude arccos(sqrt(1/L)) (0 below L = 1), and LAMBDA from B/B0 by the fitted
inverse of the dipole relation, with the sign of the magnetic hemisphere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.science.ft2science import fieldline, igrf

# The ellipsoid SHELLG/FELDG use to turn geodetic coordinates into Cartesian ones (IAU 1966).
EQUATORIAL_KM, POLAR_KM = 6378.16, 6356.775
HEMISPHERE_TABLE = Path(__file__).resolve().parent / "data" / "hemisphere_equator.txt"
HEMISPHERE_NORTH_ABOVE, HEMISPHERE_SOUTH_BELOW = 10.1289, -16.347  # the table's shortcuts, deg
LEVEL_Z = 1e-9  # scheme z closer than this (its finest step is 5e-6) counts as level


@dataclass(frozen=True)
class Geomagnetic:
    b_abs: np.ndarray  # Gauss
    b_equator: np.ndarray  # Gauss
    ratio: np.ndarray  # B / B0
    shell: np.ndarray  # McIlwain L
    icode: np.ndarray  # 1 normal, 2 line dips below the surface, 3 L beyond the accurate range, 0 failed
    found: np.ndarray  # the B0 search settled
    point: np.ndarray  # scheme coordinates (3, N) of the point
    equator: np.ndarray  # scheme coordinates (3, N) of the minimum of B along the line

    @property
    def invariant_latitude_deg(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.where(self.shell >= 1.0, np.rad2deg(np.arccos(np.sqrt(1.0 / self.shell))), 0.0)

    @property
    def lambda_deg(self) -> np.ndarray:
        """Unsigned LAMBDA, deg: arccos(sqrt(rl)), rl the fitted root of b^2 rl^6 + 3 rl - 4 = 0, b = B/B0."""
        b = self.ratio
        rl = b**-0.215108 * (1.0 - 0.020551 * (b - 1.0) + 0.0008148 * (b - 1.0) ** 2)
        with np.errstate(invalid="ignore"):
            return np.where(rl <= 1.0, np.rad2deg(np.arccos(np.sqrt(rl))), 0.0)

    @property
    def field_line_hemisphere(self) -> np.ndarray:
        """+1 where the point lies north of its line's minimum of B (along the dipole z of the scheme),
        or level with it: the minimum search steps on a grid of z through the point, so the lowest
        sample can sit at the point's own z, different only by rounding (1e-16), which decides nothing.
        """
        return np.where(self.point[2] - self.equator[2] >= -LEVEL_Z, 1, -1)


def geodetic_to_cartesian(lat_deg: np.ndarray, lon_deg: np.ndarray, alt_km: np.ndarray) -> np.ndarray:
    """Geographic Cartesian position (N, 3) in IGRF radii of geodetic coordinates, SHELLG's ellipsoid."""
    lat, lon = np.deg2rad(np.asarray(lat_deg, float)), np.deg2rad(np.asarray(lon_deg, float))
    alt = np.asarray(alt_km, dtype=float)
    ct, st = np.sin(lat), np.cos(lat)
    aq, bq = EQUATORIAL_KM**2, POLAR_KM**2
    d = np.sqrt(aq - (aq - bq) * ct * ct)
    rho = (alt + aq / d) * st / igrf.ERA_KM
    return np.stack([rho * np.cos(lon), rho * np.sin(lon), (alt + bq / d) * ct / igrf.ERA_KM], axis=1)


def compute(position_re: np.ndarray, field: igrf.EpochField) -> Geomagnetic:
    """All McIlwain quantities at positions (N, 3) in IGRF radii, each row at its own epoch."""
    x = np.asarray(position_re, dtype=float)
    b_abs = np.linalg.norm(field.gauss(x), axis=1)
    shell, icode, _, lowest = fieldline.shell_parameter(x, field)
    b_equator, _, found, equator = fieldline.equator_field(lowest, field)
    b_equator = np.where(found & (icode != 0), b_equator, field.dimo / shell**3)
    point = fieldline.dipole_inverse(x)
    return Geomagnetic(b_abs, b_equator, b_abs / b_equator, shell, icode, found, point, equator)


def _equator_table() -> np.ndarray:
    values = [
        float(v)
        for line in HEMISPHERE_TABLE.read_text().splitlines()
        if not line.startswith("#")
        for v in line.split()
    ]
    return np.array(values)


def fermi_hemisphere(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    """+1 north, -1 south of the tabulated magnetic equator (astro EarthCoordinate::getHemisphere)."""
    table = _equator_table()
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    lon = np.where((lon < 0) | (lon > 360.0), lon - np.floor(lon / 360.0) * 360.0, lon)
    cell = np.clip(lon.astype(int), 0, len(table) - 2)
    frac = lon - cell
    boundary = table[cell] * (1.0 - frac) + table[cell + 1] * frac
    north = np.where(
        lat > HEMISPHERE_NORTH_ABOVE, True, np.where(lat < HEMISPHERE_SOUTH_BELOW, False, lat > boundary)
    )
    return np.where(north, 1, -1)
