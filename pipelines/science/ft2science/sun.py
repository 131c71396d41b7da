"""Direction of the Sun from the Earth's centre, J2000/ICRS axes, as unit vectors (n, 3).

Production (ft2Util ``util::getSunPosition`` -> astro ``SolarSystem::direction``) asked the JPL
DE405 ephemeris for the geometric Sun-minus-Earth vector at the Julian date
``2451910.5 + MET / 86400`` taken as TDB: no light time, no aberration, and a date about a minute
early (MET counts TT seconds from 2001-01-01T00:01:04.184 TT). The ERFA ephemeris (epv00, within a
few km of DE405 for the Earth) reproduces that direction to ~1e-6 deg.

ERFA's series cost ~60 us a call, so for many rows the Earth's heliocentric and barycentric
positions are evaluated at nodes 600 s apart and joined by cubic Hermite interpolation with the
series' own velocities: the interpolation error is below 1e-12 km (h^4/384 times the fourth
derivative, dominated by the monthly lunar wobble), far below the series' own accuracy.
"""

from __future__ import annotations

import erfa
import numpy as np

from pipelines.science.ft2science import frames

# MJDREF of the Fermi files (51910 + 7.428703703703703e-4 d): MET 0 is 2001-01-01T00:01:04.184 TT.
MJDREF_TT = 51910.0 + 7.428703703703703e-4
MJD_ZERO_JD = 2400000.5


NODE_DAYS = 600.0 / 86400.0


def earth_positions(jd1: float, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heliocentric and barycentric Earth positions (N, 3), au, at Julian dates jd1 + day (TDB)."""
    day = np.atleast_1d(np.asarray(day, dtype=float))
    first = np.floor(day.min() / NODE_DAYS) * NODE_DAYS
    count = int(np.ceil((day.max() - first) / NODE_DAYS)) + 2
    if count >= len(day):
        helio, bary = erfa.epv00(jd1, day)
        return helio["p"], bary["p"]
    nodes = first + NODE_DAYS * np.arange(count)
    helio, bary = erfa.epv00(jd1, nodes)
    k = np.clip(((day - first) / NODE_DAYS).astype(int), 0, count - 2)
    s = ((day - nodes[k]) / NODE_DAYS)[:, None]
    h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2

    def hermite(pv: np.ndarray) -> np.ndarray:
        p, v = pv["p"], pv["v"] * NODE_DAYS
        return h00 * p[k] + h10 * v[k] + h01 * p[k + 1] + h11 * v[k + 1]

    return hermite(helio), hermite(bary)


def fermi_sun_direction(met: np.ndarray) -> np.ndarray:
    """Geometric Earth-to-Sun direction at the production Julian date used as TDB."""
    met = np.asarray(met, dtype=float)
    heliocentric, _ = earth_positions(frames.MISSION_START_JD, met / frames.SECONDS_PER_DAY)
    return frames.unit(-heliocentric)


def astrometric_sun_direction(met: np.ndarray) -> np.ndarray:
    """Astrometric geocentric Sun direction (ICRS axes, light time, no aberration) at the true epoch.

    MET is converted with the files' MJDREF to TT; TDB - TT (< 2 ms) is neglected. The Sun's
    barycentric position is taken at the emission time, one light travel time earlier.
    """
    met = np.asarray(met, dtype=float)
    day = met / frames.SECONDS_PER_DAY + (MJDREF_TT - 51910.0)
    jd0 = MJD_ZERO_JD + 51910.0
    heliocentric, earth = earth_positions(jd0, day)
    light_days = np.linalg.norm(heliocentric, axis=1) * erfa.AULT / frames.SECONDS_PER_DAY
    helio_then, bary_then = earth_positions(jd0, day - light_days)
    return frames.unit(bary_then - helio_then - earth)
