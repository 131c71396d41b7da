"""Named definition sets for the derived FT2 columns, and the one entry point ``derive``.

- ``fermi-2014``: what production computed until 2015 (astro before its 2018 geodetic change and
  with IGRF-11), reproduced to the precision of the FT2 columns;
- ``fermi-2019``: the 2019-era production chain: Ferrari's geodetic solution (WGS84) on the J2000
  vector, IGRF-12, otherwise as fermi-2014;
- ``modern``: the physically exact chain: GCRS->ITRS with IAU 2006/2000A precession-nutation, UT1
  and polar motion (ERFA, IERS table bundled with astropy), WGS84 geodetic coordinates, IGRF-14 at
  the true decimal year, the same field-line scheme on the true position, the magnetic hemisphere
  from the field line itself, and the astrometric Sun.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import astropy
import astropy_iers_data
import erfa
import numba
import numpy as np
from astropy.time import Time
from astropy.utils import iers

from pipelines.science.ft2science import frames, igrf, mcilwain, sun


@dataclass(frozen=True)
class DefinitionSet:
    name: str
    description: str
    geodetic: str  # "fermi-legacy" | "ferrari" | "itrs-wgs84"
    igrf_generation: str

    @property
    def production(self) -> bool:
        return self.geodetic != "itrs-wgs84"


SETS = {
    s.name: s
    for s in (
        DefinitionSet(
            "fermi-2014",
            "Fermi production to 2015: J2000 vector turned by GMST, latitude geocentric/(1-f)^2, IGRF-11.",
            "fermi-legacy",
            "IGRF-11",
        ),
        DefinitionSet(
            "fermi-2019",
            "Fermi production 2018-2020: Ferrari WGS84 geodetic solution on the J2000 vector, IGRF-12.",
            "ferrari",
            "IGRF-12",
        ),
        DefinitionSet(
            "modern",
            "Physically exact: GCRS->ITRS (IAU 2006/2000A, UT1, polar motion), WGS84, IGRF-14, true epoch.",
            "itrs-wgs84",
            "IGRF-14",
        ),
    )
}

COLUMNS = (
    "LAT_GEO", "LON_GEO", "RAD_GEO", "RA_ZENITH", "DEC_ZENITH", "B_MCILWAIN", "L_MCILWAIN", "GEOMAG_LAT",
    "LAMBDA", "RA_SCZ", "DEC_SCZ", "RA_SCX", "DEC_SCX", "RA_NPOLE", "DEC_NPOLE", "ROCK_ANGLE", "RA_SUN",
    "DEC_SUN",
)  # fmt: skip
FLOAT64_COLUMNS = {"RAD_GEO"}


def available() -> list[str]:
    return list(SETS)


def describe(name: str | None = None) -> str | dict[str, str]:
    """One line for a set, or {name: line} for all."""
    if name is None:
        return {key: s.description for key, s in SETS.items()}
    return _get(name).description


def versions(name: str) -> dict[str, str]:
    """What decides the numbers of a set, for headers and provenance."""
    s = _get(name)
    table = igrf.load(s.igrf_generation)
    return {
        "definitions": s.name,
        "igrf": s.igrf_generation,
        "igrf_source": table.source,
        "igrf_sha256": igrf.table_sha256(s.igrf_generation),
        "numpy": np.__version__,
        "numba": numba.__version__,  # compiles the field-line integrals and the IGRF synthesis
        "astropy": astropy.__version__,
        "pyerfa": erfa.__version__,
        "erfa": erfa.version.erfa_version,
        "iers": astropy_iers_data.__version__,
    }


def _get(name: str | DefinitionSet) -> DefinitionSet:
    if isinstance(name, DefinitionSet):
        return name
    try:
        return SETS[name]
    except KeyError:
        raise ValueError(f"unknown definition set {name!r}; available: {available()}") from None


def fermi_year(met: np.ndarray) -> np.ndarray:
    """IGRF epoch of production: 2001 + MET / 3.15e7, handed to the field model as a float."""
    return np.float32(2001.0 + np.asarray(met, dtype=float) / 3.15e7).astype(float)


def derive(
    definitions: str | DefinitionSet,
    start: np.ndarray,
    stop: np.ndarray,
    position_m: np.ndarray,
    quaternion: np.ndarray,
    next_position_m: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Every derived FT2 column of each row, with the FT2 dtypes (float32; RAD_GEO float64).

    ``definitions`` names a set (or is a ``DefinitionSet``, e.g. a variant for a study);
    ``position_m`` (N, 3) is SC_POSITION at START (J2000, m), ``quaternion`` (N, 4) QSJ_1..4;
    ``next_position_m`` is the position one second after START (for the orbital pole); when absent
    it is estimated from the neighbouring rows. ``stop`` is checked, not used: all columns are at START.
    """
    s = _get(definitions)
    start = np.asarray(start, dtype=float)
    position = np.asarray(position_m, dtype=float)
    if np.any(np.asarray(stop, dtype=float) < start) or position.shape != (len(start), 3):
        raise ValueError("need STOP >= START and positions of shape (N, 3)")
    if next_position_m is None:
        next_position_m = frames.next_position_estimate(start, position)
    zenith = frames.unit(position)
    x_axis, z_axis = frames.body_axes(quaternion)
    out = {"RA_ZENITH": zenith, "RA_SCZ": z_axis, "RA_SCX": x_axis}
    out["RA_NPOLE"] = frames.orbit_pole(position, next_position_m)
    if s.production:
        out["RA_SUN"] = sun.fermi_sun_direction(start)
        geo = _production_geomagnetic(s, start, position)
    else:
        out["RA_SUN"] = sun.astrometric_sun_direction(start)
        geo = _modern_geomagnetic(s, start, position)
    columns = {}
    for key, vectors in out.items():
        columns[key], columns["DEC" + key[2:]] = frames.ra_dec(vectors)
    columns["ROCK_ANGLE"] = frames.rock_angle_deg(zenith, z_axis)
    columns.update(geo)
    return {k: columns[k].astype(np.float64 if k in FLOAT64_COLUMNS else np.float32) for k in COLUMNS}


def _production_geomagnetic(
    s: DefinitionSet, start: np.ndarray, position: np.ndarray
) -> dict[str, np.ndarray]:
    lon = frames.fermi_longitude_deg(position, frames.fermi_julian_date(start))
    if s.geodetic == "fermi-legacy":
        lat, alt_km = frames.fermi_legacy_geodetic(position)
    else:
        lat, alt_km = frames.ferrari_geodetic(position)
    field = igrf.EpochField(igrf.load(s.igrf_generation), fermi_year(start))
    # IGRField::compute takes latitude, longitude and altitude as floats
    f32 = [np.float32(v).astype(float) for v in (lat, lon, alt_km)]
    geo = mcilwain.compute(mcilwain.geodetic_to_cartesian(*f32), field)
    return _geomagnetic_columns(lat, lon, alt_km * 1e3, geo, mcilwain.fermi_hemisphere(lon, lat))


@functools.cache
def _iers_table() -> iers.IERS_A:
    """Earth orientation (UT1-UTC, polar motion) from the IERS file bundled with astropy: no download."""
    return iers.IERS_A.open(iers.IERS_A_FILE)


def _modern_geomagnetic(s: DefinitionSet, start: np.ndarray, position: np.ndarray) -> dict[str, np.ndarray]:
    tt = Time(
        2400000.5 + 51910.0, sun.MJDREF_TT - 51910.0 + start / frames.SECONDS_PER_DAY, format="jd", scale="tt"
    )
    table = _iers_table()
    dut1, status_ut1 = table.ut1_utc(tt, return_status=True)
    xp, yp, status_pm = table.pm_xy(tt, return_status=True)
    if np.any(np.asarray(status_ut1) < 0) or np.any(np.asarray(status_pm) < 0):
        raise ValueError("times outside the bundled IERS table: UT1 and polar motion unknown")
    utc = tt.utc
    ut1_day = utc.jd2 + dut1.to_value("s") / frames.SECONDS_PER_DAY
    matrix = erfa.c2t06a(tt.jd1, tt.jd2, utc.jd1, ut1_day, xp.to_value("rad"), yp.to_value("rad"))
    itrs = np.einsum("nij,nj->ni", matrix, position)
    lon, lat, height = erfa.gc2gd(1, itrs)  # 1 = WGS84
    lat, lon = np.rad2deg(lat), (np.rad2deg(lon) + 180.0) % 360.0 - 180.0
    field = igrf.EpochField(igrf.load(s.igrf_generation), utc.decimalyear)
    geo = mcilwain.compute(itrs / (igrf.ERA_KM * 1e3), field)
    return _geomagnetic_columns(lat, lon, height, geo, geo.field_line_hemisphere)


def _geomagnetic_columns(lat, lon, height_m, geo: mcilwain.Geomagnetic, hemisphere) -> dict[str, np.ndarray]:
    return {
        "LAT_GEO": lat,
        "LON_GEO": lon,
        "RAD_GEO": height_m,
        "B_MCILWAIN": geo.ratio,
        "L_MCILWAIN": geo.shell,
        "GEOMAG_LAT": geo.invariant_latitude_deg,
        "LAMBDA": geo.lambda_deg * hemisphere,
    }
