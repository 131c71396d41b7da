"""The magic7 state at given times: Hermite positions, slerped attitudes, and where interpolation stops."""

import numpy as np
import pytest

from pipelines.science import ft2state, magic7, orbitgen

S45 = np.sqrt(0.5)
START = 545208791.0


def test_slerp_is_exact_at_samples_and_halves_the_angle():
    times = np.array([0.0, 1.0])
    quarter_turn_z = np.array([0.0, 0.0, S45, S45])
    samples = np.array([[0.0, 0.0, 0.0, 1.0], quarter_turn_z])
    result = ft2state.slerp(times, samples, np.array([0.0, 0.5, 1.0]))
    eighth = np.sin(np.pi / 8), np.cos(np.pi / 8)
    np.testing.assert_allclose(result[0], samples[0], atol=1e-15)
    np.testing.assert_allclose(result[1], [0.0, 0.0, *eighth], atol=1e-15)
    np.testing.assert_allclose(result[2], samples[1], atol=1e-15)


def test_slerp_takes_the_short_way_when_signs_flip():
    times = np.array([0.0, 1.0])
    samples = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, -S45, -S45]])  # same as +90 deg about z
    middle = ft2state.slerp(times, samples, np.array([0.5]))
    np.testing.assert_allclose(np.abs(middle), [[0.0, 0.0, np.sin(np.pi / 8), np.cos(np.pi / 8)]], atol=1e-15)


def test_hermite_is_exact_for_cubics_and_gives_the_records_themselves_at_their_times():
    times = np.array([10.0, 11.0, 13.0])

    def cubic(t):
        return np.column_stack([t**3 - 2 * t, 5 - t**2, 0.5 * t])

    def derivative(t):
        return np.column_stack([3 * t**2 - 2, -2 * t, np.full_like(t, 0.5)])

    query = np.array([10.0, 10.3, 11.0, 12.9, 13.0])
    position, velocity = ft2state.hermite(times, cubic(times), derivative(times), query)
    np.testing.assert_allclose(position, cubic(query), rtol=1e-12)
    np.testing.assert_allclose(velocity, derivative(query), rtol=1e-12)
    np.testing.assert_array_equal(position[[0, 2, 4]], cubic(times))


def test_hermite_orbit_interpolation_is_sub_millimetre():
    orbit = orbitgen.Orbit.from_seed(4)
    samples = np.arange(0.0, 20.0)
    position, velocity, _ = orbit.state(samples)
    query = np.linspace(0.0, 19.0, 77)
    interpolated, interpolated_velocity = ft2state.hermite(samples, position, velocity, query)
    truth, truth_velocity, _ = orbit.state(query)
    assert np.abs(interpolated - truth).max() < 1e-3
    assert np.abs(interpolated_velocity - truth_velocity).max() < 1e-3


def test_interpolation_stops_at_gaps_longer_than_allowed_and_outside_the_records():
    samples = np.array([0.0, 1.0, 2.0, 10.0, 11.0])
    times = np.array([-0.5, 0.0, 0.5, 2.0, 5.0, 10.0, 10.5, 11.0, 11.5])
    assert ft2state.interpolable(samples, times, 5.0).tolist() == [
        False, True, True, True, False, True, True, True, False
    ]  # fmt: skip
    assert ft2state.interpolable(samples, np.array([5.0]), 8.0).tolist() == [True]


def test_the_orbit_record_in_force_is_the_latest_at_or_before(tmp_path):
    path = tmp_path / "run.magic7"
    orbitgen.write_magic7(path, START, START + 20, seed=3)
    data = magic7.read_magic7(path)
    met = np.array([data.orb_met[3], data.orb_met[3] + 0.999, data.orb_met[4] - 1e-7])
    assert ft2state.last_orb_record(data, met).tolist() == [3, 3, 4]


def test_position_one_second_later_is_the_next_record_else_the_state_carried_along(tmp_path):
    path = tmp_path / "run.magic7"
    orbitgen.write_magic7(path, START, START + 20, seed=3)
    data = magic7.read_magic7(path)
    met = data.orb_met[[2, len(data.orb_met) - 1]]
    position, velocity = ft2state.orbit_state(data, met)
    later = ft2state.position_one_second_later(data, met, position, velocity, 5.0)
    np.testing.assert_array_equal(later[0], data.orb_position[3])
    np.testing.assert_array_equal(later[1], position[1] + velocity[1])  # no record after the last
    assert np.linalg.norm(later[1] - orbitgen.Orbit.from_seed(3).state(met[1:] + 1)[0][0]) == pytest.approx(
        4.3, abs=0.5
    )  # half the centripetal acceleration: along the radius, in the orbital plane
