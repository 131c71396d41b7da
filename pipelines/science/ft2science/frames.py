"""Geometry of an FT2 row: time scales, sidereal time, geodetic coordinates, attitude axes.

The ``fermi_*`` functions follow the Fermi ground software (fermi-lat/astro and ft2Util) as it
ran in production, including its approximations: the J2000 position is used as if it were Earth
fixed apart from a rotation by GMST (no precession, nutation, UT1 or polar motion), and mission time
is turned into a Julian date by ``2451910.5 + MET / 86400`` with no leap seconds.
"""

from __future__ import annotations

import numpy as np

MISSION_START_JD = 2451910.5  # astro::JulianDate::missionStart(): 2001-01-01 00:00
J2000_JD = 2451545.0
SECONDS_PER_DAY = 86400.0


def unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=float)
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def ra_dec(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Right ascension in [0, 360) and declination of direction vectors (n, 3), degrees."""
    v = np.asarray(vectors, dtype=float)
    ra = np.rad2deg(np.arctan2(v[:, 1], v[:, 0])) % 360.0
    dec = np.rad2deg(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
    return ra, dec


def fermi_julian_date(met: np.ndarray) -> np.ndarray:
    """The Julian date production used everywhere: mission start plus MET in days."""
    return MISSION_START_JD + np.asarray(met, dtype=float) / SECONDS_PER_DAY


def fermi_gmst_deg(jd: np.ndarray) -> np.ndarray:
    """Greenwich mean sidereal time, degrees in [0, 360): astro EarthCoordinate::GetGMST.

    The IAU 1982 polynomial evaluated at the preceding 0h (counted from the Julian date's own
    fraction) plus the elapsed hours times 1.00273790935; the Julian date is used as UT1.
    """
    jd = np.asarray(jd, dtype=float)
    hours = (jd - 0.5 - np.floor(jd - 0.5)) * 24.0
    t = (jd - hours / 24.0 - J2000_JD) / 36525.0
    seconds = 24110.54841 + 8640184.812866 * t + 0.093104 * t * t - 0.0000062 * t * t * t
    days = seconds / 86400.0
    sidereal = (days - np.floor(days)) * 24.0 + hours * 1.00273790935
    sidereal = np.where(sidereal < 0.0, sidereal + 24.0, sidereal)
    sidereal = np.where(sidereal >= 24.0, sidereal - 24.0, sidereal)
    return sidereal * 15.0


def fermi_longitude_deg(position: np.ndarray, jd: np.ndarray) -> np.ndarray:
    """East longitude in [-180, 180]: right ascension of the J2000 vector minus GMST."""
    p = np.asarray(position, dtype=float)
    lon = np.arctan2(p[:, 1], p[:, 0]) - np.deg2rad(fermi_gmst_deg(jd))
    lon = np.fmod(lon, 2.0 * np.pi)
    lon = np.where(lon < -np.pi, lon + 2.0 * np.pi, lon)
    lon = np.where(lon > np.pi, lon - 2.0 * np.pi, lon)
    return np.rad2deg(lon)


def fermi_legacy_geodetic(position_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude (deg) and altitude (km) as EarthCoordinate computed them until 2018.

    The geocentric latitude of the J2000 vector divided by (1 - f)^2 with f = 1/298.25, and the
    altitude sqrt(x^2 + y^2)/cos(lat) - R / sqrt(1 - (0.00669454 sin lat)^2) with R = 6378.145 km
    (the square is of the product, as in the code: not the textbook e^2 sin^2).
    """
    p = np.asarray(position_m, dtype=float) / 1e3
    flattening = 1.0 / 298.25
    geocentric = np.arctan2(p[:, 2], np.hypot(p[:, 0], p[:, 1]))
    lat = geocentric / (1.0 - flattening) ** 2
    altitude = np.hypot(p[:, 0], p[:, 1]) / np.cos(lat) - 6378.145 / np.sqrt(
        1.0 - (0.00669454 * np.sin(lat)) ** 2
    )
    return np.rad2deg(lat), altitude


def ferrari_geodetic(
    position_m: np.ndarray, a_km: float = 6378.137, f: float = 1.0 / 298.257223563
) -> tuple[np.ndarray, np.ndarray]:
    """Geodetic latitude (deg) and height (km) on an ellipsoid by Ferrari's closed-form solution.

    EarthCoordinate::computeFerrariLatitudeAndAltitude (astro, WGS84 constants), applied to the
    vector as given (production applied it to the J2000 vector).
    """
    p = np.asarray(position_m, dtype=float) / 1e3
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    a2 = a_km * a_km
    fc = 1.0 - f
    b = a_km * fc
    e2 = f * (fc + 1.0)
    ep2 = e2 / (fc * fc)
    z2 = z * z
    r2 = x * x + y * y
    r = np.sqrt(r2)
    ff = 54.0 * b * b * z2
    g = r2 + z2 * fc * fc - e2 * a2 * e2
    c = e2 * e2 * ff * r2 / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * (c + 2.0)))
    k = (1.0 + s + 1.0 / s) * g
    pp = ff / (3.0 * k * k)
    q = np.sqrt(1.0 + 2.0 * pp * e2 * e2)
    r0 = np.sqrt(a2 * (1.0 + 1.0 / q) / 2.0 - pp * r2 / 2.0 - pp * z2 * fc * fc / (q * (q + 1.0)))
    r0 = r0 - pp * e2 * r / (q + 1.0)
    u = np.sqrt(z2 + (r - r0 * e2) ** 2)
    v = np.sqrt((r - r0 * e2) ** 2 + z2 * fc * fc)
    ratio = b * b / (v * a_km)
    height = u * (1.0 - ratio)
    lat = np.arctan((z + z * ratio * ep2) / r)
    return np.rad2deg(lat), height


def body_axes(quaternion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spacecraft +x and +z axes in J2000 from QSJ_1..4 = (x, y, z, w).

    The vector is rotated as (2w^2 - 1) t + 2 v (v.t) + 2 w (v x t), the convention the FT2 files'
    own RA/DEC_SCZ and SCX columns follow (checked against production files).
    """
    q = np.asarray(quaternion, dtype=float)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    v, w = q[:, :3], q[:, 3:4]

    def rotate(t: np.ndarray) -> np.ndarray:
        return (2.0 * w * w - 1.0) * t + 2.0 * v * (v @ t)[:, None] + 2.0 * w * np.cross(v, t)

    return rotate(np.array([1.0, 0.0, 0.0])), rotate(np.array([0.0, 0.0, 1.0]))


def rock_angle_deg(zenith: np.ndarray, z_axis: np.ndarray) -> np.ndarray:
    """ft2Util ExtendedPointingInfo::rockingAngle: angle zenith-to-z, negative when dec(z) < dec(zenith)."""
    _, dec_zenith = ra_dec(zenith)
    _, dec_z = ra_dec(z_axis)
    cosine = np.clip(np.sum(unit(zenith) * unit(z_axis), axis=1), -1.0, 1.0)
    angle = np.rad2deg(np.arccos(cosine))
    return np.where(dec_z < dec_zenith, -angle, angle)


def orbit_pole(position: np.ndarray, next_position: np.ndarray) -> np.ndarray:
    """North orbital pole: position at START crossed with the position a moment later (ft2Util)."""
    return unit(np.cross(np.asarray(position, dtype=float), np.asarray(next_position, dtype=float)))


def next_position_estimate(
    start: np.ndarray, position: np.ndarray, dt: float = 1.0, near: float = 120.0
) -> np.ndarray:
    """Position ``dt`` seconds after each row's START, from the neighbouring rows' positions.

    The velocity is the centred difference of the two neighbours when both are within ``near``
    seconds, else the one-sided difference with the nearer one (at the ends of the table and next to
    data gaps). Only the orbital plane matters for the pole: with neighbours 30 s away the estimate
    is off by about half the plane's nodal drift over 30 s (~0.001 deg); next to a gap by that over
    the gap.
    """
    t = np.asarray(start, dtype=float)
    p = np.asarray(position, dtype=float)
    if len(t) < 2:
        raise ValueError("at least two rows are needed to estimate the next position")
    before = np.concatenate([[1], np.arange(len(t) - 1)])
    after = np.concatenate([np.arange(1, len(t)), [len(t) - 2]])
    gap_before, gap_after = np.abs(t - t[before]), np.abs(t[after] - t)
    central = (gap_before <= near) & (gap_after <= near) & (before != after)
    first = np.where(central, before, np.where(gap_before < gap_after, before, np.arange(len(t))))
    second = np.where(central, after, np.where(gap_before < gap_after, np.arange(len(t)), after))
    velocity = (p[second] - p[first]) / (t[second] - t[first])[:, None]
    return p + velocity * dt
