"""Column conventions on hand-checked cases, interpolation, and the coarse-grid ephemeris error."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import GCRS, ITRS, CartesianRepresentation, EarthLocation, get_sun

from pipelines import ft2, orbitgen

MJDREF = (51910, 7.428703703703703e-4)
S45 = np.sqrt(0.5)


def test_identity_quaternion_gives_eci_axes():
    x_axis, z_axis = ft2.body_axes(np.array([[0.0, 0.0, 0.0, 1.0]]))
    np.testing.assert_allclose(z_axis, [[0, 0, 1]])
    np.testing.assert_allclose(x_axis, [[1, 0, 0]])
    ra, dec = ft2.ra_dec(z_axis)
    assert dec[0] == 90.0
    ra, dec = ft2.ra_dec(x_axis)
    assert (ra[0], dec[0]) == (0.0, 0.0)


def test_quarter_turn_about_x_sends_z_to_minus_y():
    # q = (sin 45, 0, 0, cos 45): +90 degrees about x maps body z to -y and keeps x.
    x_axis, z_axis = ft2.body_axes(np.array([[S45, 0.0, 0.0, S45]]))
    np.testing.assert_allclose(z_axis, [[0, -1, 0]], atol=1e-15)
    np.testing.assert_allclose(x_axis, [[1, 0, 0]], atol=1e-15)
    ra, dec = ft2.ra_dec(z_axis)
    np.testing.assert_allclose([ra[0], dec[0]], [270.0, 0.0], atol=1e-12)


def test_quarter_turn_about_z_sends_x_to_y():
    x_axis, z_axis = ft2.body_axes(np.array([[0.0, 0.0, S45, S45]]))
    np.testing.assert_allclose(x_axis, [[0, 1, 0]], atol=1e-15)
    np.testing.assert_allclose(z_axis, [[0, 0, 1]], atol=1e-15)


def test_body_axes_match_the_rotation_matrix_of_generated_attitudes():
    rotation = np.stack([np.eye(3)[[1, 2, 0]], np.eye(3)[[2, 0, 1]]])
    quaternion = orbitgen.matrix_to_quaternion(rotation)
    x_axis, z_axis = ft2.body_axes(quaternion)
    np.testing.assert_allclose(x_axis, rotation[:, :, 0], atol=1e-15)
    np.testing.assert_allclose(z_axis, rotation[:, :, 2], atol=1e-15)


def test_ra_dec_of_known_directions():
    ra, dec = ft2.ra_dec(np.array([[7e6, 7e6, 0.0], [0.0, 0.0, 7e6], [-1.0, -1.0, -np.sqrt(2)]]))
    np.testing.assert_allclose(ra[[0, 2]], [45.0, 225.0])
    np.testing.assert_allclose(dec, [0.0, 90.0, -45.0])


def test_orbit_pole_is_position_cross_velocity():
    position = np.array([[7e6, 0.0, 0.0]])
    velocity = np.array([[0.0, 7.5e3, 0.0]])
    _, dec = ft2.ra_dec(ft2.unit(np.cross(position, velocity)))
    assert dec[0] == 90.0


@pytest.mark.parametrize(("tilt", "expected"), [(30.0, 30.0), (-30.0, -30.0), (0.0, 0.0)])
def test_rock_angle_is_negative_away_from_the_orbit_pole(tilt, expected):
    zenith = np.array([[1.0, 0.0, 0.0]])
    pole = np.array([[0.0, 0.0, 1.0]])
    angle = np.deg2rad(tilt)
    z_axis = np.array([[np.cos(angle), 0.0, np.sin(angle)]])
    np.testing.assert_allclose(ft2.rock_angle(z_axis, zenith, pole), [expected], atol=1e-6)


def test_geodetic_matches_astropy_earth_location():
    itrs = np.array([[6928137.0, 0.0, 0.0], [3e6, -4e6, 4.5e6], [-5e6, 1e6, -3e6], [1e5, 1e5, 6.9e6]])
    latitude, longitude, height = ft2.geodetic(itrs)
    reference = EarthLocation.from_geocentric(*itrs.T, unit=u.m).to_geodetic("WGS84")
    np.testing.assert_allclose(latitude, reference.lat.deg, atol=1e-10)
    np.testing.assert_allclose(longitude, reference.lon.deg % 360.0, atol=1e-10)
    np.testing.assert_allclose(height, reference.height.to_value(u.m), atol=1e-6)
    assert ((longitude >= 0) & (longitude < 360)).all()
    np.testing.assert_allclose(height[0], 550000.0, atol=1e-6)


def test_slerp_is_exact_at_samples_and_halves_the_angle():
    times = np.array([0.0, 1.0])
    quarter_turn_z = np.array([0.0, 0.0, S45, S45])
    samples = np.array([[0.0, 0.0, 0.0, 1.0], quarter_turn_z])
    result = ft2.slerp(times, samples, np.array([0.0, 0.5, 1.0]))
    eighth = np.sin(np.pi / 8), np.cos(np.pi / 8)
    np.testing.assert_allclose(result[0], samples[0], atol=1e-15)
    np.testing.assert_allclose(result[1], [0.0, 0.0, *eighth], atol=1e-15)
    np.testing.assert_allclose(result[2], samples[1], atol=1e-15)


def test_slerp_takes_the_short_way_when_signs_flip():
    times = np.array([0.0, 1.0])
    samples = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, -S45, -S45]])  # same as +90 deg about z
    middle = ft2.slerp(times, samples, np.array([0.5]))
    x_axis, _ = ft2.body_axes(middle)
    np.testing.assert_allclose(x_axis, [[S45, S45, 0.0]], atol=1e-15)


def test_hermite_is_exact_for_cubics_and_at_samples():
    times = np.array([10.0, 11.0, 13.0])

    def cubic(t):
        return np.column_stack([t**3 - 2 * t, 5 - t**2, 0.5 * t])

    def derivative(t):
        return np.column_stack([3 * t**2 - 2, -2 * t, np.full_like(t, 0.5)])

    query = np.array([10.0, 10.3, 11.0, 12.9, 13.0])
    position, velocity = ft2.hermite(times, cubic(times), derivative(times), query)
    np.testing.assert_allclose(position, cubic(query), rtol=1e-12)
    np.testing.assert_allclose(velocity, derivative(query), rtol=1e-12)


def test_hermite_orbit_interpolation_is_sub_millimetre():
    orbit = orbitgen.Orbit.from_seed(4)
    samples = np.arange(0.0, 20.0)
    position, velocity, _ = orbit.state(samples)
    query = np.linspace(0.0, 19.0, 77)
    interpolated, interpolated_velocity = ft2.hermite(samples, position, velocity, query)
    truth, truth_velocity, _ = orbit.state(query)
    assert np.abs(interpolated - truth).max() < 1e-3
    assert np.abs(interpolated_velocity - truth_velocity).max() < 1e-3


def test_coarse_grid_error_is_far_below_column_precision():
    """Earth orientation and Sun interpolated from a 600-s grid against astropy's full computation.

    Float32 columns resolve ~1e-5 deg (LAT_GEO, DEC_SUN) to ~3e-5 deg (LON_GEO, RA_SUN) and
    SC_POSITION ~0.5 m; the interpolation must stay orders of magnitude below that.
    """
    met = np.linspace(545208791.0, 545208791.0 + 86400.0, 97) + 0.6
    orbit = orbitgen.Orbit.from_seed(9)
    position, _, _ = orbit.state(met)
    time = ft2.met_to_time(met, MJDREF)

    ephemeris = ft2.CoarseEphemeris.compute(met[0], met[-1], MJDREF)
    itrs = ephemeris.gcrs_to_itrs(position, met, MJDREF)
    latitude, longitude, height = ft2.geodetic(itrs)
    sun_ra, sun_dec = ft2.ra_dec(ephemeris.sun_direction(met))

    gcrs = GCRS(CartesianRepresentation(position.T * u.m), obstime=time)
    reference_itrs = gcrs.transform_to(ITRS(obstime=time)).cartesian.xyz.to_value(u.m).T
    reference = EarthLocation.from_geocentric(*reference_itrs.T, unit=u.m).to_geodetic("WGS84")
    sun = get_sun(time)

    assert np.abs(itrs - reference_itrs).max() < 1e-3  # metres
    assert np.abs(latitude - reference.lat.deg).max() < 1e-8
    assert np.abs((longitude - reference.lon.deg + 180.0) % 360.0 - 180.0).max() < 1e-8
    assert np.abs(height - reference.height.to_value(u.m)).max() < 1e-3
    assert np.abs((sun_ra - sun.ra.deg + 180.0) % 360.0 - 180.0).max() < 1e-7
    assert np.abs(sun_dec - sun.dec.deg).max() < 1e-7


def test_met_epoch_is_2001_utc():
    assert ft2.met_to_time(0.0, MJDREF).utc.isot == "2001-01-01T00:00:00.000"
    # MET counts the five leap seconds inserted from 2005 to the end of 2016.
    assert ft2.met_to_time(504921604.0, MJDREF).utc.isot == "2016-12-31T23:59:60.000"
    assert ft2.met_to_time(504921605.0, MJDREF).utc.isot == "2017-01-01T00:00:00.000"
