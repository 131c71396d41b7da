"""FT2 (LAT pointing and livetime history) computation and writer.

Input: parsed magic7 arrays (``pipelines.magic7``), the requested [start, stop) in MET and a bin
size (1 s or 30 s). Output: one FITS file whose columns, formats, units and header keywords all
come from ``data/ft2.tpl``.

Conventions (as in the Fermi files):
- bin edges sit on ORB record times; the first and last bins are cut at the requested start and
  stop; where ORB records are missing a bin ends after its nominal length and the table has a gap;
- SC_POSITION, SC_VELOCITY and the attitude are the values at START of each bin: the ORB record
  at that time when there is one, otherwise a cubic Hermite interpolation from the neighbouring
  position/velocity records; the attitude is slerped between neighbouring ATT quaternions;
- ECI J2000 is taken as astropy's GCRS. The Earth orientation (GCRS to ITRS) and the Sun direction
  change slowly, so they are computed with astropy/ERFA on a coarse time grid and interpolated; only
  the Earth Rotation Angle is evaluated at every bin (``tests/pipelines`` bound the error).
- B_MCILWAIN is the IGRF field strength and GEOMAG_LAT the latitude in IGRF's centred dipole, both
  from the ``ppigrf`` package (pure Python IGRF-14, offline). The field is evaluated on a 60-s grid
  and interpolated (cubic Hermite). McIlwain L and LAMBDA need field-line tracing, which is not
  implemented: those columns are NaN and the file says so in a COMMENT card, as it does for all
  four columns when ``ppigrf`` is not installed.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import erfa
import numpy as np
from astropy import units as u
from astropy.coordinates import get_sun
from astropy.io import fits
from astropy.time import Time
from astropy.utils import iers

from pipelines import fitstemplate
from pipelines.magic7 import Magic7Data

try:
    import ppigrf
except ImportError:  # optional dependency: without it the geomagnetic columns are NaN
    ppigrf = None

# Tables come from the astropy-iers-data package; never reach for the network.
iers.conf.auto_download = False

TEMPLATE_PATH = Path(__file__).resolve().parent / "data" / "ft2.tpl"
EXTNAME = "SC_DATA"
CREATOR = "l2portal pipelines.ft2"
BIN_SIZES = (1.0, 30.0)
EDGE_TOLERANCE = 0.25  # s; ORB time stamps jitter by far less than this
COARSE_GRID_STEP = 600.0  # s; Earth orientation and Sun direction are interpolated in between
DEFAULT_DATA_QUAL = 2  # "waiting review" until Bad Time Intervals are applied
DEFAULT_LAT_CONFIG = 1  # nominal science configuration
GEOMAG_GRID_STEP = 60.0  # s; the field along the orbit is smooth on this scale (<1 nT error)
IGRF_REFERENCE_RADIUS_KM = 6371.2
NANOTESLA_TO_GAUSS = 1e-5
# COMMENT cards hold 72 characters.
GEOMAG_UNAVAILABLE = "B_MCILWAIN L_MCILWAIN GEOMAG_LAT LAMBDA NaN: no IGRF (ppigrf) installed"
MCILWAIN_UNAVAILABLE = "L_MCILWAIN, LAMBDA are NaN: McIlwain L tracing is not implemented"


class Ft2Error(ValueError):
    """The request cannot be turned into an FT2 file (coverage, bin size, inputs)."""


@dataclass(frozen=True)
class Ft2Config:
    bin_seconds: float = 1.0
    data_qual: int = DEFAULT_DATA_QUAL
    lat_config: int = DEFAULT_LAT_CONFIG
    proc_ver: int = 310
    version: int = 1
    creator: str = CREATOR


@dataclass(frozen=True)
class Livetime:
    """Cumulative LAT livetime counter samples; a bin gets the counter's increase over it."""

    met: np.ndarray
    cumulative: np.ndarray

    def per_bin(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        live = np.interp(stop, self.met, self.cumulative) - np.interp(start, self.met, self.cumulative)
        return np.clip(live, 0.0, stop - start)


@dataclass
class Ft2Product:
    columns: dict[str, np.ndarray]
    comments: list[str] = field(default_factory=list)

    @property
    def tstart(self) -> float:
        return float(self.columns["START"][0])

    @property
    def tstop(self) -> float:
        return float(self.columns["STOP"][-1])

    @property
    def rows(self) -> int:
        return len(self.columns["START"])


def load_ft2_template() -> fitstemplate.FitsTemplate:
    return fitstemplate.load_template(TEMPLATE_PATH)


def product_filename(bin_seconds: float, proc: str | int, run: int, version: int) -> str:
    """gll_pt1s_p310_r0545208791_v001.fit (1-s) or gll_pt_p310_r0545208791_v001.fit (30-s)."""
    kind = {1.0: "pt1s", 30.0: "pt"}.get(float(bin_seconds))
    if kind is None:
        raise Ft2Error(f"no product name for {bin_seconds}-s bins")
    proc_text = str(proc).lower()
    proc_text = proc_text if proc_text.startswith("p") else f"p{int(proc_text):03d}"
    return f"gll_{kind}_{proc_text}_r{int(run):010d}_v{int(version):03d}.fit"


# --- time ---------------------------------------------------------------------------------------


def mjd_reference(template: fitstemplate.FitsTemplate) -> tuple[int, float]:
    keywords = {k.name: k.value for k in template.table(EXTNAME).keywords}
    return int(keywords["MJDREFI"]), float(keywords["MJDREFF"])


def met_to_time(met: np.ndarray | float, mjdref: tuple[int, float]) -> Time:
    """MET counts TT seconds from MJDREF (2001-01-01 00:00:00 UTC expressed in TT)."""
    return Time(mjdref[0], mjdref[1] + np.asarray(met, dtype=np.float64) / 86400.0, format="mjd", scale="tt")


# --- geometry -----------------------------------------------------------------------------------


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def ra_dec(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Right ascension in [0, 360) and declination, degrees, of direction vectors (n, 3)."""
    x, y, z = vectors[:, 0], vectors[:, 1], vectors[:, 2]
    ra = np.rad2deg(np.arctan2(y, x)) % 360.0
    dec = np.rad2deg(np.arctan2(z, np.hypot(x, y)))
    return ra, dec


def body_axes(quaternion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Body x and z axes in ECI for body-to-ECI quaternions (x, y, z, w): columns of R(q)."""
    x, y, z, w = quaternion.T
    x_axis = np.column_stack([1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w)])
    z_axis = np.column_stack([2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y)])
    return x_axis, z_axis


def _bracket(samples: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the sample at or before each time (clipped to leave a right neighbour) and fraction."""
    index = np.clip(np.searchsorted(samples, times, side="right") - 1, 0, len(samples) - 2)
    fraction = (times - samples[index]) / (samples[index + 1] - samples[index])
    return index, fraction


def slerp(sample_met: np.ndarray, quaternions: np.ndarray, met: np.ndarray) -> np.ndarray:
    """Spherical linear interpolation of unit quaternions at ``met`` (exact at sample times)."""
    index, fraction = _bracket(sample_met, met)
    q0, q1 = quaternions[index], quaternions[index + 1]
    cos_angle = np.sum(q0 * q1, axis=1)
    # q and -q are the same rotation: take the short way round.
    q1 = np.where(cos_angle[:, None] < 0, -q1, q1)
    cos_angle = np.abs(cos_angle)
    angle = np.arccos(np.clip(cos_angle, -1.0, 1.0))
    sin_angle = np.sin(angle)
    tiny = sin_angle < 1e-9
    safe = np.where(tiny, 1.0, sin_angle)
    w0 = np.where(tiny, 1 - fraction, np.sin((1 - fraction) * angle) / safe)
    w1 = np.where(tiny, fraction, np.sin(fraction * angle) / safe)
    return unit(w0[:, None] * q0 + w1[:, None] * q1)


def hermite(
    sample_met: np.ndarray, position: np.ndarray, velocity: np.ndarray, met: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cubic Hermite interpolation of position with its velocity; exact at sample times."""
    index, s = _bracket(sample_met, met)
    h = (sample_met[index + 1] - sample_met[index])[:, None]
    s = s[:, None]
    p0, p1 = position[index], position[index + 1]
    v0, v1 = velocity[index] * h, velocity[index + 1] * h
    s2, s3 = s * s, s * s * s
    interpolated = (
        (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * v0 + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * v1
    )
    derivative = (
        (6 * s2 - 6 * s) * p0 + (3 * s2 - 4 * s + 1) * v0 + (-6 * s2 + 6 * s) * p1 + (3 * s2 - 2 * s) * v1
    ) / h
    return interpolated, derivative


def rock_angle(z_axis: np.ndarray, zenith: np.ndarray, pole: np.ndarray) -> np.ndarray:
    """Angle between z-axis and zenith, degrees; negative when the z-axis leans away from the orbit pole."""
    angle = np.rad2deg(np.arccos(np.clip(np.sum(z_axis * zenith, axis=1), -1.0, 1.0)))
    return np.where(np.sum(z_axis * pole, axis=1) < 0, -angle, angle)


# --- bins ---------------------------------------------------------------------------------------


def bin_edges(
    orb_met: np.ndarray, start: float, stop: float, bin_seconds: float
) -> tuple[np.ndarray, np.ndarray]:
    """START and STOP of each bin: edges on ORB times, first and last bins cut at start and stop."""
    if float(bin_seconds) not in BIN_SIZES:
        raise Ft2Error(f"bin size must be one of {BIN_SIZES} s, not {bin_seconds}")
    if not stop > start:
        raise Ft2Error(f"stop ({stop}) must be after start ({start})")
    inside = orb_met[(orb_met >= start) & (orb_met < stop)]
    if len(inside) == 0:
        raise Ft2Error(f"no ORB record between {start} and {stop}")
    # Keep the first ORB time of each bin_seconds slot counted from the first ORB time.
    slot = np.floor((inside - inside[0] + EDGE_TOLERANCE) / bin_seconds)
    first_of_slot = np.concatenate(([True], slot[1:] != slot[:-1]))
    edges = inside[first_of_slot]
    if edges[0] - start > 1e-6:
        edges = np.concatenate(([start], edges))
    starts = edges
    following = np.concatenate((edges[1:], [stop]))
    # A bin never outlasts its nominal length: missing ORB records leave a gap in the table.
    nominal_end = starts + bin_seconds
    stops = np.where(following - starts > bin_seconds + EDGE_TOLERANCE, nominal_end, following)
    stops = np.minimum(stops, stop)
    return starts, stops


# --- slowly varying quantities on a coarse grid -------------------------------------------------


@dataclass(frozen=True)
class CoarseEphemeris:
    """Earth orientation and Sun direction sampled on a coarse grid, for linear interpolation."""

    met: np.ndarray
    celestial_to_intermediate: np.ndarray  # (n, 3, 3) GCRS -> CIRS (precession-nutation)
    polar_motion: np.ndarray  # (n, 3, 3) TIRS -> ITRS
    tt_minus_ut1: np.ndarray  # (n,) seconds
    sun: np.ndarray  # (n, 3) unit vectors, GCRS

    @classmethod
    def compute(
        cls, met_first: float, met_last: float, mjdref: tuple[int, float], step: float = COARSE_GRID_STEP
    ) -> CoarseEphemeris:
        grid = np.arange(np.floor(met_first / step) * step, met_last + step, step)
        if len(grid) < 2:
            grid = np.array([grid[0], grid[0] + step])
        time = met_to_time(grid, mjdref)
        tt1, tt2 = time.tt.jd1, time.tt.jd2
        ut1 = time.ut1
        xp, yp = iers.earth_orientation_table.get().pm_xy(time)
        polar_motion = erfa.pom00(xp.to_value(u.rad), yp.to_value(u.rad), erfa.sp00(tt1, tt2))
        sun = get_sun(time).cartesian.xyz.to_value(u.m).T
        return cls(
            met=grid,
            celestial_to_intermediate=erfa.c2i06a(tt1, tt2),
            polar_motion=polar_motion,
            tt_minus_ut1=((tt1 - ut1.jd1) + (tt2 - ut1.jd2)) * 86400.0,
            sun=unit(sun),
        )

    def _interpolate(self, values: np.ndarray, met: np.ndarray) -> np.ndarray:
        index, fraction = _bracket(self.met, met)
        weight = fraction.reshape((-1,) + (1,) * (values.ndim - 1))
        return values[index] * (1 - weight) + values[index + 1] * weight

    def gcrs_to_itrs(self, position: np.ndarray, met: np.ndarray, mjdref: tuple[int, float]) -> np.ndarray:
        """Rotate GCRS vectors to ITRS: polar motion x Earth rotation x precession-nutation."""
        cirs = np.einsum("nij,nj->ni", self._interpolate(self.celestial_to_intermediate, met), position)
        ut1_fraction = mjdref[1] + (met - np.interp(met, self.met, self.tt_minus_ut1)) / 86400.0
        era = erfa.era00(2400000.5 + mjdref[0], ut1_fraction)
        cos_era, sin_era = np.cos(era), np.sin(era)
        tirs = np.column_stack(
            [
                cos_era * cirs[:, 0] + sin_era * cirs[:, 1],
                -sin_era * cirs[:, 0] + cos_era * cirs[:, 1],
                cirs[:, 2],
            ]
        )
        return np.einsum("nij,nj->ni", self._interpolate(self.polar_motion, met), tirs)

    def sun_direction(self, met: np.ndarray) -> np.ndarray:
        return unit(self._interpolate(self.sun, met))


def geodetic(itrs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 geodetic latitude (deg), east longitude in [0, 360) (deg) and height (m)."""
    longitude, latitude, height = erfa.gc2gd(1, itrs)  # 1 = WGS84
    return np.rad2deg(latitude), np.rad2deg(longitude) % 360.0, height


# --- geomagnetic field -------------------------------------------------------------------------


def igrf_field_strength(itrs: np.ndarray, epoch: dt.datetime) -> np.ndarray:
    """IGRF |B| in Gauss at ITRS positions (m)."""
    radius_km = np.linalg.norm(itrs, axis=1) / 1000.0
    colatitude = np.rad2deg(np.arccos(itrs[:, 2] / (radius_km * 1000.0)))
    longitude = np.rad2deg(np.arctan2(itrs[:, 1], itrs[:, 0]))
    b_r, b_theta, b_phi = ppigrf.igrf_gc(radius_km, colatitude, longitude, epoch)
    return np.sqrt(b_r**2 + b_theta**2 + b_phi**2)[0] * NANOTESLA_TO_GAUSS


def dipole_axis(epoch: dt.datetime) -> np.ndarray:
    """Unit vector (ITRS) to the northern geomagnetic pole of IGRF's centred dipole.

    At the reference radius the degree-1 radial field is Br = 2 (g11, h11, g10) . r_hat, so Br on
    the three axes gives the Gauss coefficients; the pole is opposite to (g11, h11, g10).
    """
    with np.errstate(divide="ignore", invalid="ignore"):  # B_phi divides by sin(colatitude)
        b_r, _, _ = ppigrf.igrf_gc(
            IGRF_REFERENCE_RADIUS_KM,
            np.array([90.0, 90.0, 0.0]),
            np.array([0.0, 90.0, 0.0]),
            epoch,
            max_degree=1,
        )
    return -unit(b_r[0] / 2.0)


def geomagnetic(
    met: np.ndarray, itrs: np.ndarray, position_at, epoch: dt.datetime
) -> tuple[np.ndarray, np.ndarray]:
    """B_MCILWAIN (Gauss) and GEOMAG_LAT (deg) at each MET.

    ``position_at(met)`` gives ITRS positions at other times; the field is evaluated on a coarse
    grid and interpolated, since the pure-Python IGRF costs ~50 us a point.
    """
    geomag_lat = np.rad2deg(np.arcsin(np.clip(unit(itrs) @ dipole_axis(epoch), -1.0, 1.0)))
    points = int(np.ceil((met[-1] - met[0]) / GEOMAG_GRID_STEP)) + 1
    if len(met) <= points:
        return igrf_field_strength(itrs, epoch), geomag_lat
    grid = np.linspace(met[0], met[-1], points)
    strength = igrf_field_strength(position_at(grid), epoch)
    slope = np.gradient(strength, grid, edge_order=2 if points > 2 else 1)
    interpolated, _ = hermite(grid, strength[:, None], slope[:, None], met)
    return interpolated[:, 0], geomag_lat


# --- FT2 ----------------------------------------------------------------------------------------


def _require_coverage(name: str, met: np.ndarray, starts: np.ndarray) -> None:
    if starts[0] < met[0] or starts[-1] > met[-1]:
        raise Ft2Error(
            f"{name} records cover {met[0]:.6f}..{met[-1]:.6f} but bins start "
            f"{starts[0]:.6f}..{starts[-1]:.6f}; interpolation needs records on both sides"
        )


def compute_ft2(
    data: Magic7Data,
    start: float,
    stop: float,
    config: Ft2Config,
    livetime: Livetime | None = None,
    template: fitstemplate.FitsTemplate | None = None,
) -> Ft2Product:
    template = template or load_ft2_template()
    mjdref = mjd_reference(template)
    starts, stops = bin_edges(data.orb_met, start, stop, config.bin_seconds)
    _require_coverage("ORB", data.orb_met, starts)
    _require_coverage("ATT", data.att_met, starts)
    rows = len(starts)

    position, velocity = hermite(data.orb_met, data.orb_position, data.orb_velocity, starts)
    quaternion = slerp(data.att_met, data.att_quaternion, starts)
    x_axis, z_axis = body_axes(quaternion)
    zenith = unit(position)
    pole = unit(np.cross(position, velocity))

    ephemeris = CoarseEphemeris.compute(starts[0], starts[-1], mjdref)
    itrs = ephemeris.gcrs_to_itrs(position, starts, mjdref)
    latitude, longitude, height = geodetic(itrs)
    # ORB record in force at START: the one at that time, else the latest before it.
    orb_index = np.clip(np.searchsorted(data.orb_met, starts, side="right") - 1, 0, None)

    ra_zenith, dec_zenith = ra_dec(zenith)
    ra_scz, dec_scz = ra_dec(z_axis)
    ra_scx, dec_scx = ra_dec(x_axis)
    ra_npole, dec_npole = ra_dec(pole)
    ra_sun, dec_sun = ra_dec(ephemeris.sun_direction(starts))
    unavailable = np.full(rows, np.nan)
    if ppigrf is None:
        b_mcilwain, geomag_lat, comments = unavailable, unavailable, [GEOMAG_UNAVAILABLE]
    else:

        def itrs_at(met: np.ndarray) -> np.ndarray:
            grid_position, _ = hermite(data.orb_met, data.orb_position, data.orb_velocity, met)
            return ephemeris.gcrs_to_itrs(grid_position, met, mjdref)

        # Day precision is plenty for the field model; TT avoids leap-second instants.
        epoch = met_to_time((starts[0] + starts[-1]) / 2, mjdref).tt.to_datetime()
        b_mcilwain, geomag_lat = geomagnetic(starts, itrs, itrs_at, epoch)
        comments = [MCILWAIN_UNAVAILABLE]
    columns = {
        "START": starts,
        "STOP": stops,
        "SC_POSITION": position,
        "LAT_GEO": latitude,
        "LON_GEO": longitude,
        "RAD_GEO": height,
        "RA_ZENITH": ra_zenith,
        "DEC_ZENITH": dec_zenith,
        "B_MCILWAIN": b_mcilwain,
        "L_MCILWAIN": unavailable,
        "GEOMAG_LAT": geomag_lat,
        "LAMBDA": unavailable,
        "IN_SAA": data.orb_in_saa[orb_index],
        "RA_SCZ": ra_scz,
        "DEC_SCZ": dec_scz,
        "RA_SCX": ra_scx,
        "DEC_SCX": dec_scx,
        "RA_NPOLE": ra_npole,
        "DEC_NPOLE": dec_npole,
        "ROCK_ANGLE": rock_angle(z_axis, zenith, pole),
        "LAT_MODE": data.orb_mode[orb_index],
        "LAT_CONFIG": np.full(rows, config.lat_config),
        "DATA_QUAL": np.full(rows, config.data_qual),
        "LIVETIME": livetime.per_bin(starts, stops) if livetime else np.zeros(rows),
        "QSJ_1": quaternion[:, 0],
        "QSJ_2": quaternion[:, 1],
        "QSJ_3": quaternion[:, 2],
        "QSJ_4": quaternion[:, 3],
        "RA_SUN": ra_sun,
        "DEC_SUN": dec_sun,
        "SC_VELOCITY": velocity,
    }
    return Ft2Product(columns=columns, comments=comments)


def _utc_isot(met: float, mjdref: tuple[int, float]) -> str:
    return met_to_time(met, mjdref).utc.isot


def write_ft2(
    product: Ft2Product,
    path: str | os.PathLike,
    config: Ft2Config,
    filename: str,
    template: fitstemplate.FitsTemplate | None = None,
    created: dt.datetime | None = None,
) -> None:
    """Write ``product`` to ``path`` (overwritten); ``filename`` goes in FILENAME (path may be temporary)."""
    template = template or load_ft2_template()
    mjdref = mjd_reference(template)
    created = created or dt.datetime.now(dt.UTC)
    shared = {
        "DATE": created.strftime("%Y-%m-%dT%H:%M:%S"),
        "DATE-OBS": _utc_isot(product.tstart, mjdref),
        "DATE-END": _utc_isot(product.tstop, mjdref),
        "TSTART": product.tstart,
        "TSTOP": product.tstop,
        "FILENAME": filename,
        "CREATOR": config.creator,
        "VERSION": config.version,
        "PROC_VER": config.proc_ver,
    }
    primary = fitstemplate.build_primary_hdu(template.primary, shared)
    table = fitstemplate.build_table_hdu(template.table(EXTNAME), product.columns, shared)
    for comment in product.comments:
        primary.header.add_comment(comment)
        table.header.add_comment(comment)
    fits.HDUList([primary, table]).writeto(path, overwrite=True, checksum=True)


def make_ft2(
    data: Magic7Data,
    start: float,
    stop: float,
    config: Ft2Config,
    path: str | os.PathLike,
    filename: str | None = None,
    livetime: Livetime | None = None,
) -> Ft2Product:
    """Compute and write one FT2 file; returns the computed product for QA."""
    template = load_ft2_template()
    product = compute_ft2(data, start, stop, config, livetime=livetime, template=template)
    write_ft2(product, path, config, filename or Path(path).name, template=template)
    return product
