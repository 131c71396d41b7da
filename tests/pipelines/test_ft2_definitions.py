"""The FT2 definition sets on hand-checked cases: sidereal time, geodetic formulas, attitude axes,
rock-angle sign, the IGRF tables and synthesis, L and B/B0 of a dipole, the LAMBDA hemisphere."""

import datetime as dt

import astropy.units as u
import erfa
import numba
import numpy as np
import ppigrf
import pytest
from astropy.coordinates import GCRS, ITRS, CartesianRepresentation
from astropy.time import Time

from pipelines.science import ft2science
from pipelines.science.ft2science import definitions, frames, igrf, mcilwain, sun


def met_of(iso_utc: str) -> float:
    """Mission elapsed time (TT seconds since MJDREF of the Fermi files) of a UTC instant."""
    return float((Time(iso_utc, scale="utc").tt.mjd - sun.MJDREF_TT) * 86400.0)


def circular_orbit(met0: float, rows: int = 12, altitude_km: float = 550.0) -> tuple[np.ndarray, np.ndarray]:
    """START times 30 s apart and J2000 positions (m) on a circular orbit inclined 25.6 deg."""
    start = met0 + 30.0 * np.arange(rows)
    phase = 2 * np.pi * (start - met0) / 5760.0 + 0.3
    inc = np.deg2rad(25.6)
    radius = (6378.137 + altitude_km) * 1e3
    position = radius * np.stack([np.cos(phase), np.sin(phase) * np.cos(inc), np.sin(phase) * np.sin(inc)], 1)
    return start, position


# --- the sets ------------------------------------------------------------------------------------


def test_sets_are_listed_and_described():
    assert ft2science.available() == ["fermi-2014", "fermi-2019", "modern"]
    described = ft2science.describe()
    assert set(described) == set(ft2science.available())
    for name in ft2science.available():
        line = ft2science.describe(name)
        assert line == described[name] and "\n" not in line and 20 < len(line) <= 110
    assert definitions.SETS["fermi-2014"].igrf_generation == "IGRF-11"
    assert definitions.SETS["fermi-2019"].igrf_generation == "IGRF-12"
    assert definitions.SETS["modern"].igrf_generation == "IGRF-14"
    with pytest.raises(ValueError, match="available"):
        ft2science.describe("fermi-1999")


def test_versions_name_what_decides_the_numbers():
    v = ft2science.versions("fermi-2014")
    assert v["definitions"] == "fermi-2014" and v["igrf"] == "IGRF-11"
    assert "IGRF-11" in v["igrf_source"] and "IAGA" in v["igrf_source"]
    assert v["numpy"] == np.__version__ and v["pyerfa"] == erfa.__version__
    assert v["numba"] == numba.__version__  # compiles the field-line integrals
    assert v["astropy"] and v["erfa"]


@pytest.mark.parametrize("name, met0", [("fermi-2014", 4.29e8), ("fermi-2019", 5.8e8), ("modern", 7.5e8)])
def test_derive_gives_every_column_with_ft2_dtypes_and_ranges(name, met0):
    start, position = circular_orbit(met0)
    quaternion = np.tile([0.0, 0.0, 0.0, 1.0], (len(start), 1))
    out = ft2science.derive(name, start, start + 30.0, position, quaternion)
    assert list(out) == list(ft2science.COLUMNS)
    for column, values in out.items():
        assert values.dtype == (np.float64 if column == "RAD_GEO" else np.float32), column
        assert np.all(np.isfinite(values)), column
    assert np.all((out["LON_GEO"] >= -180) & (out["LON_GEO"] <= 180))
    assert np.all((out["RA_SUN"] >= 0) & (out["RA_SUN"] < 360))
    assert np.all(np.abs(out["LAT_GEO"]) < 26.0)
    assert np.all(np.abs(out["RAD_GEO"] - 550e3) < 25e3)
    assert np.all((out["B_MCILWAIN"] >= 0.99) & (out["B_MCILWAIN"] < 10.0))
    assert np.all((out["L_MCILWAIN"] > 0.95) & (out["L_MCILWAIN"] < 3.0))
    assert np.all((out["GEOMAG_LAT"] >= 0) & (out["GEOMAG_LAT"] < 60))
    # the identity attitude: +z at the celestial pole, +x at RA 0
    assert np.allclose(out["DEC_SCZ"], 90.0) and np.allclose(out["DEC_SCX"], 0.0, atol=1e-6)
    # the orbital pole of a 25.6-deg orbit with ascending node at RA 0
    assert np.allclose(out["DEC_NPOLE"], 90 - 25.6, atol=1e-3) and np.allclose(
        out["RA_NPOLE"], 270.0, atol=1e-3
    )


def test_modern_ground_point_is_astropys_gcrs_to_itrs_on_wgs84():
    start = 4.29e8 + 30.0 * np.arange(3)
    position = np.array([[6.9e6, 1e5, 2e5], [1e5, 6.8e6, -1e6], [-3e6, -4e6, 4e6]])
    out = ft2science.derive("modern", start, start + 30.0, position, np.tile([0.0, 0.0, 0.0, 1.0], (3, 1)))
    when = Time(2400000.5 + sun.MJDREF_TT, start / 86400.0, format="jd", scale="tt")
    itrs = GCRS(CartesianRepresentation(position.T * u.m), obstime=when).transform_to(ITRS(obstime=when))
    ground = itrs.earth_location.to_geodetic("WGS84")
    assert np.abs(out["LAT_GEO"] - ground.lat.deg).max() < 1e-5
    assert np.abs((out["LON_GEO"] - ground.lon.deg + 180.0) % 360.0 - 180.0).max() < 2e-5
    assert np.abs(out["RAD_GEO"] - ground.height.to_value(u.m)).max() < 1e-3


def test_derive_refuses_bad_input():
    start, position = circular_orbit(4.29e8, rows=3)
    quaternion = np.tile([0.0, 0.0, 0.0, 1.0], (3, 1))
    with pytest.raises(ValueError):
        ft2science.derive("fermi-2014", start, start - 1.0, position, quaternion)
    with pytest.raises(ValueError):
        ft2science.derive("nonesuch", start, start + 30.0, position, quaternion)


# --- time and geometry ---------------------------------------------------------------------------


def test_gmst_at_j2000_and_against_erfa():
    # IAU 1982 GMST at 2000-01-01 12:00 UT1 is 18h 41m 50.54841s = 280.46061837 deg
    assert frames.fermi_gmst_deg(np.array([2451545.0]))[0] == pytest.approx(280.46061837, abs=1e-8)
    jd = np.array([2451910.5, 2456882.95612, 2458849.1234, 2460000.75])
    expected = np.rad2deg(erfa.gmst82(jd, 0.0))
    assert np.abs(frames.fermi_gmst_deg(jd) - expected).max() < 1e-6


def test_production_julian_date_has_no_leap_seconds():
    assert frames.fermi_julian_date(np.array([0.0]))[0] == 2451910.5
    assert frames.fermi_julian_date(np.array([86400.0 * 365]))[0] == 2452275.5


def test_longitude_is_right_ascension_minus_gmst():
    jd = frames.fermi_julian_date(np.array([4.29e8]))
    gmst = np.deg2rad(frames.fermi_gmst_deg(jd)[0])
    east_of_greenwich = gmst + np.deg2rad(30.0)
    position = 7e6 * np.array([[np.cos(east_of_greenwich), np.sin(east_of_greenwich), 0.0]])
    assert frames.fermi_longitude_deg(position, jd)[0] == pytest.approx(30.0, abs=1e-9)


def test_legacy_geodetic_on_the_equator_and_at_the_pole():
    lat, alt = frames.fermi_legacy_geodetic(np.array([[6928145.0, 0.0, 0.0]]))
    assert lat[0] == 0.0 and alt[0] == pytest.approx(550.0, abs=1e-9)
    # production's latitude is the geocentric one divided by (1 - f)^2, even beyond the pole
    lat, _ = frames.fermi_legacy_geodetic(np.array([[3e6, 0.0, 3e6], [0.0, 0.0, 7e6]]))
    assert lat[0] == pytest.approx(45.0 / (1 - 1 / 298.25) ** 2, abs=1e-12)
    assert lat[1] == pytest.approx(90.0 / (1 - 1 / 298.25) ** 2, abs=1e-12)


def test_ferrari_is_the_wgs84_geodetic_solution():
    rng = np.random.default_rng(7)
    direction = frames.unit(rng.normal(size=(50, 3)))
    position = direction * rng.uniform(6.7e6, 7.2e6, size=(50, 1))
    lat, height_km = frames.ferrari_geodetic(position)
    _, lat_erfa, height_erfa = erfa.gc2gd(1, position)
    assert np.abs(lat - np.rad2deg(lat_erfa)).max() < 1e-9
    assert np.abs(height_km * 1e3 - height_erfa).max() < 1e-5
    lat, height_km = frames.ferrari_geodetic(np.array([[0.0, 1.0, 7e6]]))  # 1 m from the polar axis
    assert lat[0] == pytest.approx(90.0, abs=1e-4) and height_km[0] == pytest.approx(
        7000 - 6356.752314245, abs=1e-6
    )


def test_attitude_axes_from_a_quaternion():
    # 90 deg about +x: body +z goes to -y (RA 270, dec 0), body +x stays
    half = np.sqrt(0.5)
    x_axis, z_axis = frames.body_axes(np.array([[half, 0.0, 0.0, half]]))
    assert np.allclose(z_axis, [[0.0, -1.0, 0.0]]) and np.allclose(x_axis, [[1.0, 0.0, 0.0]])


def test_rock_angle_sign_follows_declination():
    zenith = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    tilt = np.deg2rad(35.0)
    z_axis = np.array(
        [[np.cos(tilt), 0.0, np.sin(tilt)], [np.cos(tilt), 0.0, -np.sin(tilt)], [0.0, 1.0, 0.0]]
    )
    assert frames.rock_angle_deg(zenith, z_axis) == pytest.approx([35.0, -35.0, 0.0], abs=1e-9)


def test_next_position_estimate_across_a_gap():
    start, position = circular_orbit(4.29e8, rows=6)
    start[3:] += 1800.0  # a data gap after the third row
    position[3:] = circular_orbit(4.29e8 + 1800.0, rows=6)[1][3:]
    nxt = frames.next_position_estimate(start, position)
    pole = frames.orbit_pole(position, nxt)
    assert np.allclose(pole, [[0.0, -np.sin(np.deg2rad(25.6)), np.cos(np.deg2rad(25.6))]] * 6, atol=1e-9)


def test_sun_at_the_march_2014_equinox():
    """At the equinox (2014-03-20 16:57 UTC) the Sun stands at the equinox of date, which is off
    the J2000 axes by the precession since 2000; the geometric direction is 20" (aberration) and
    65 s of motion away from the apparent one."""
    instant = "2014-03-20T16:57:00"
    tt = Time(instant, scale="utc").tt
    equinox_of_date = erfa.pnm06a(tt.jd1, tt.jd2).T @ np.array([1.0, 0.0, 0.0])
    direction = sun.fermi_sun_direction(np.array([met_of(instant)]))[0]
    off = np.rad2deg(np.arccos(np.clip(direction @ equinox_of_date, -1, 1)))
    assert off < 0.01
    ra, _ = frames.ra_dec(equinox_of_date[None])
    assert (ra[0] + 180) % 360 - 180 == pytest.approx(-0.18, abs=0.01)  # 14.2 yr of precession


def test_production_sun_is_the_geometric_direction_a_minute_early():
    met = np.array([met_of("2014-08-13T12:00:00")])
    geometric = sun.fermi_sun_direction(met)
    astrometric = sun.astrometric_sun_direction(met)
    shift = np.rad2deg(np.arccos(np.clip(np.sum(geometric * astrometric), -1, 1)))
    assert 5e-4 < shift < 1e-3  # ~65 s of the Sun's 1 deg/day, light time adds ~2e-5 deg


# --- IGRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "generation, epoch, g10",
    [
        ("IGRF-11", 2010.0, -29496.5),
        ("IGRF-12", 2015.0, -29442.0),
        ("IGRF-13", 2020.0, -29404.8),
        ("IGRF-14", 2025.0, -29350.0),
    ],
)
def test_tables_carry_the_published_leading_coefficient(generation, epoch, g10):
    table = igrf.load(generation)
    assert generation in table.source
    g, _ = table.coefficients(epoch)
    assert g[1, 0] == g10


def test_igrf11_dipole_moment_and_secular_extrapolation():
    table = igrf.load("IGRF-11")
    # published IGRF2010: g10 -29496.5, g11 -1585.9, h11 4945.1 nT; SV 11.4, 16.7, -28.8 nT/yr
    assert table.dipole_moment_gauss(np.array([2010.0]))[0] == pytest.approx(
        np.sqrt(29496.5**2 + 1585.9**2 + 4945.1**2) * 1e-5, rel=1e-12
    )
    g, h = table.coefficients(2014.5)
    assert g[1, 0] == pytest.approx(-29496.5 + 4.5 * 11.4) and h[1, 1] == pytest.approx(4945.1 - 4.5 * 28.8)
    g, _ = table.coefficients(2007.5)  # halfway between DGRF2005 and IGRF2010
    assert g[1, 0] == pytest.approx((-29554.63 - 29496.5) / 2)
    with pytest.raises(ValueError):
        table.coefficients(1999.0)


def test_synthesis_matches_ppigrf_igrf14():
    rng = np.random.default_rng(3)
    r_km = igrf.ERA_KM + rng.uniform(300, 1500, 8)
    theta, phi = rng.uniform(5, 175, 8), rng.uniform(-180, 180, 8)
    br, bt, bp = (np.ravel(b) for b in ppigrf.igrf_gc(r_km, theta, phi, dt.datetime(2022, 7, 2, 12)))
    year = 2022.5  # 2022-07-02T12 is 182.5 days into the year
    g, h = igrf.load("IGRF-14").coefficients(year)
    t, p = np.deg2rad(theta), np.deg2rad(phi)
    position = (r_km / igrf.ERA_KM)[:, None] * np.stack(
        [np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], 1
    )
    b = igrf.synthesis(position, g, h)
    radial = np.sum(b * position, axis=1) / np.linalg.norm(position, axis=1)
    east = -b[:, 0] * np.sin(p) + b[:, 1] * np.cos(p)
    assert np.abs(radial - br).max() < 0.01 and np.abs(east - bp).max() < 0.01
    assert np.abs(np.linalg.norm(b, axis=1) - np.sqrt(br**2 + bt**2 + bp**2)).max() < 0.01


# --- McIlwain coordinates ------------------------------------------------------------------------


def axial_dipole_field(rows: int) -> igrf.EpochField:
    g = np.zeros((1, igrf.NMAX + 1, igrf.NMAX + 1))
    g[0, 1, 0] = -30000.0
    zero = np.zeros((igrf.NMAX + 1, igrf.NMAX + 1))
    table = igrf.IgrfTable("axial dipole", "test", np.array([2000.0]), g, np.zeros_like(g), zero, zero)
    return igrf.EpochField(table, np.full(rows, 2000.0))


def test_l_and_b_of_an_axial_dipole():
    lat = np.array([0.0, 10.0, 20.0, 30.0, -35.0, 40.0])
    lon = np.array([0.0, 30.0, 100.0, 200.0, 45.0, 300.0])
    r = np.array([1.1, 1.05, 1.1, 1.2, 1.15, 1.08])
    rad_lat, rad_lon = np.deg2rad(lat), np.deg2rad(lon)
    x = r[:, None] * np.stack(
        [np.cos(rad_lat) * np.cos(rad_lon), np.cos(rad_lat) * np.sin(rad_lon), np.sin(rad_lat)], 1
    )
    geo = mcilwain.compute(x, axial_dipole_field(len(r)))
    shell = r / np.cos(rad_lat) ** 2  # a dipole line: r = L cos^2(latitude)
    ratio = np.sqrt(1 + 3 * np.sin(rad_lat) ** 2) / np.cos(rad_lat) ** 6
    assert np.abs(geo.shell / shell - 1).max() < 1e-3  # the scheme's step sizes, not more
    assert np.abs(geo.ratio / ratio - 1).max() < 1.5e-3  # B0 from samples within 1e-3 of the minimum
    assert np.all(geo.found) and np.all(geo.icode == 1)
    assert np.abs(geo.lambda_deg - np.abs(lat)).max() < 0.3
    assert np.abs(geo.invariant_latitude_deg - np.rad2deg(np.arccos(np.sqrt(1 / shell)))).max() < 0.05
    assert list(geo.field_line_hemisphere[1:]) == [1, 1, 1, -1, 1]


def test_a_degenerate_point_fails_its_own_row_only():
    """Non-finite arithmetic (here the Earth's centre) marks the row failed (icode 0, L NaN)."""
    x = np.array([[0.0, 0.0, 0.0], [1.1, 0.0, 0.1]])
    geo = mcilwain.compute(x, axial_dipole_field(2))
    assert list(geo.icode) == [0, 1]
    latitude = np.arctan2(0.1, 1.1)
    assert np.isnan(geo.shell[0])
    assert geo.shell[1] == pytest.approx(np.hypot(1.1, 0.1) / np.cos(latitude) ** 2, rel=1e-3)


def test_invariant_latitude_is_zero_below_l_one():
    shell = np.array([0.98, 1.0, 2.0])
    geo = mcilwain.Geomagnetic(
        *(np.ones(3),) * 2, np.ones(3), shell, np.ones(3), np.ones(3), np.zeros((3, 3)), np.zeros((3, 3))
    )
    assert geo.invariant_latitude_deg == pytest.approx([0.0, 0.0, 45.0])


def test_field_line_hemisphere_of_a_point_level_with_its_minimum_is_north():
    """The minimum search can end at the point's own scheme z, different only by rounding."""
    z = np.array([-0.0321481905875702, 0.2, -0.2, 0.03])
    equator = np.zeros((3, 4))
    equator[2] = [z[0] - 3e-17, z[1] + 3e-17, z[2] + 5e-6, z[3] - 5e-6]
    point = np.zeros((3, 4))
    point[2] = z
    geo = mcilwain.Geomagnetic(*(np.ones(4),) * 4, np.ones(4), np.ones(4), point, equator)
    assert list(geo.field_line_hemisphere) == [1, 1, -1, 1]


def test_production_hemisphere_table():
    # north above 10.1289 and south below -16.347 everywhere; in between, the tabulated equator
    # (9.12893 deg at longitude 0, -15.347 at 289 deg east)
    lon = np.array([0.0, 0.0, 0.0, -71.0, -71.0, 120.0, 120.0])
    lat = np.array([10.2, 9.2, 9.0, -15.2, -15.5, -20.0, 7.5])
    assert list(mcilwain.fermi_hemisphere(lon, lat)) == [1, 1, -1, 1, -1, -1, -1]


def test_shellg_ellipsoid_round_trip():
    x = mcilwain.geodetic_to_cartesian(np.array([0.0, 90.0]), np.array([0.0, 0.0]), np.array([550.0, 0.0]))
    assert x[0] == pytest.approx([(6378.16 + 550.0) / igrf.ERA_KM, 0.0, 0.0])
    assert x[1] == pytest.approx([0.0, 0.0, 6356.775 / igrf.ERA_KM], abs=1e-12)


def test_fermi_year_is_the_production_expression():
    assert definitions.fermi_year(np.array([3.15e7 * 13.5]))[0] == pytest.approx(2014.5, abs=1e-4)
    assert definitions.fermi_year(np.array([0.0]))[0] == 2001.0
