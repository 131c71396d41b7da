import numpy as np
import pytest

from pipelines.science import ft2, magic7, orbitgen
from pipelines.science.ft2science import frames

START = 545208791.0


def test_generation_is_deterministic_given_the_seed():
    first = orbitgen.magic7_lines(START, START + 30, seed=7)
    assert first == orbitgen.magic7_lines(START, START + 30, seed=7)
    assert first != orbitgen.magic7_lines(START, START + 30, seed=8)


def test_record_rates_and_layout():
    lines = orbitgen.magic7_lines(START, START + 60, seed=1, margin=0)
    data = magic7.parse_magic7(("\n".join(lines) + "\n").encode())
    assert data.report.problems == ()
    assert len(data.orb_met) == 60 and len(data.att_met) == 300
    np.testing.assert_allclose(np.diff(data.orb_met), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.diff(data.att_met), 0.2, atol=1e-6)
    assert lines[0].split(" ")[2] == "ATT" and len(lines[0].split(" ")) == 12
    orb = next(line for line in lines if " ORB " in line).split(" ")
    assert len(orb) == 13 and orb[4] == "600000"


def test_utc_stamps_match_astropy_across_leap_seconds():
    met = np.array([0.0, 504921603.0, 504921605.5, START])
    stamps = orbitgen.met_to_utc(np.round(met * 1e6).astype(np.int64))
    expected = ft2.met_to_time(met, (51910, 7.428703703703703e-4)).utc.isot
    assert [str(s)[:23] for s in stamps] == list(expected)


def test_orbit_is_circular_at_550_km_and_25_6_degrees():
    orbit = orbitgen.Orbit.from_seed(3)
    met = np.linspace(START, START + 6000, 500)
    position, velocity, _ = orbit.state(met)
    radius = np.linalg.norm(position, axis=1)
    np.testing.assert_allclose(radius, orbitgen.EARTH_EQUATORIAL_RADIUS + 550e3)
    pole = frames.unit(np.cross(position, velocity))
    np.testing.assert_allclose(np.rad2deg(np.arccos(pole[:, 2])), 25.6)
    # Velocity is the time derivative of position (central difference over 1 s).
    ahead, _, _ = orbit.state(met + 0.5)
    behind, _, _ = orbit.state(met - 0.5)
    np.testing.assert_allclose(ahead - behind, velocity, atol=0.01)


def test_survey_rocking_alternates_north_and_south_each_orbit():
    orbit = orbitgen.Orbit.from_seed(3)
    period = 2 * np.pi / orbit.mean_motion
    assert period == pytest.approx(95.6 * 60, abs=60)
    met = np.linspace(START, START + 4 * period, 4000)
    position, velocity, _ = orbit.state(met)
    quaternion, _ = orbit.attitude(met)
    _, z_axis = frames.body_axes(quaternion)
    # Rocked towards the orbit pole (positive) or away from it (negative).
    tilt = np.rad2deg(np.arccos(np.clip(np.sum(z_axis * frames.unit(position), axis=1), -1, 1)))
    rock = np.where(np.sum(z_axis * np.cross(position, velocity), axis=1) < 0, -tilt, tilt)
    assert rock.max() == pytest.approx(50.0, abs=0.01) and rock.min() == pytest.approx(-50.0, abs=0.01)
    sign_changes = np.count_nonzero(np.diff(np.sign(rock)) != 0)
    assert 3 <= sign_changes <= 5  # one switch per orbit over four orbits


def test_injected_lines_are_of_each_kind():
    lines = orbitgen.magic7_lines(START, START + 120, seed=1)
    bad_lines, injected = orbitgen.inject_malformed(lines, seed=4, per_kind=2)
    assert len(bad_lines) == len(lines) + 8
    assert sorted(injected) == sorted(orbitgen.MALFORMED_KINDS)
    for number in injected["duplicate"]:
        assert bad_lines[number - 1] == bad_lines[number - 2]
