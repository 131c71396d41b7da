import shutil

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science import ft2, ft2qa, magic7, orbitgen

START = 545208791.0
STOP = START + 1800.0


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qa")
    orbitgen.write_magic7(folder / "run.magic7", START, STOP, seed=5)
    data = magic7.read_magic7(folder / "run.magic7")
    paths = {}
    for bin_seconds in ft2.BIN_SIZES:
        paths[bin_seconds] = folder / f"ft2_{int(bin_seconds)}.fits"
        ft2.make_ft2(data, START, STOP, ft2.Ft2Config(bin_seconds=bin_seconds), paths[bin_seconds])
    return paths


def edited_copy(source, target, edit):
    with fits.open(source) as hdul:
        edit(hdul["SC_DATA"].data)
        hdul.writeto(target, checksum=True)
    return target


@pytest.mark.parametrize("bin_seconds", ft2.BIN_SIZES)
def test_velocity_check_passes_on_good_data(files, bin_seconds):
    result = ft2qa.check_velocity_file(files[bin_seconds])
    assert result.passed, result.summary()
    assert result.worst_deviation < 1.5
    assert result.pairs_checked >= 1800 / bin_seconds - 1
    assert "PASS" in result.summary()


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda v: v.__setitem__(slice(None), -v),  # sign flip
        lambda v: v.__setitem__(slice(None), v / 1000.0),  # km/s instead of m/s
        lambda v: v.__setitem__(slice(None), v[:, [1, 0, 2]]),  # axes swapped
        lambda v: v.__setitem__(100, v[100] * 1.01),  # one record 1% off: 76 m/s, halved by the mean
    ],
)
def test_velocity_check_fails_on_corrupted_velocities(files, tmp_path, corrupt):
    bad = edited_copy(files[1.0], tmp_path / "bad.fits", lambda data: corrupt(data["SC_VELOCITY"]))
    result = ft2qa.check_velocity_file(bad)
    assert not result.passed
    assert result.worst_deviation > 35.0
    assert "FAIL" in result.summary()


def test_velocity_check_locates_the_worst_pair():
    start = np.arange(0.0, 10.0)
    velocity = np.tile([7000.0, 0.0, 0.0], (10, 1))
    position = np.outer(start, [7000.0, 0.0, 0.0])
    velocity[6] += [0.0, 30.0, 0.0]
    result = ft2qa.check_velocity(start, position, velocity, tolerance=10.0)
    assert not result.passed
    assert result.worst_start in (5.0, 6.0)
    assert result.worst_deviation == pytest.approx(15.0)


def test_velocity_check_skips_gaps_and_tiny_bins():
    start = np.array([0.0, 0.1, 1.1, 2.1, 500.0, 501.0])
    position = np.outer(start, [7000.0, 0.0, 0.0])
    position[4:] += 1e6  # a jump across the gap must not count
    position[0] += 5.0  # nor a rounding wobble over the 0.1-s cut first bin
    velocity = np.tile([7000.0, 0.0, 0.0], (6, 1))
    result = ft2qa.check_velocity(start, position, velocity)
    assert result.passed and result.pairs_checked == 3


def test_velocity_check_with_nothing_to_compare_fails():
    result = ft2qa.check_velocity(np.array([0.0]), np.zeros((1, 3)), np.zeros((1, 3)))
    assert not result.passed and result.pairs_checked == 0


def test_compare_with_previous_allows_only_velocity_changes(files, tmp_path):
    previous = edited_copy(files[1.0], tmp_path / "previous.fits", lambda data: None)
    new = edited_copy(files[1.0], tmp_path / "new.fits", lambda data: data["SC_VELOCITY"].__imul__(1.5))
    result = ft2qa.compare_with_previous(new, previous)
    assert result.same, result.summary()


def test_compare_with_previous_detects_a_changed_column(files, tmp_path):
    def nudge(data):
        data["RA_SCZ"][10] += 1e-3

    new = edited_copy(files[1.0], tmp_path / "new.fits", nudge)
    result = ft2qa.compare_with_previous(new, files[1.0])
    assert not result.same
    assert result.changed_columns == ("RA_SCZ",)
    assert "changed: RA_SCZ" in result.summary()


def test_compare_with_previous_accepts_the_added_velocity_column(files, tmp_path):
    with fits.open(files[1.0]) as hdul:
        table = hdul["SC_DATA"]
        columns = [column for column in table.columns if column.name != "SC_VELOCITY"]
        old = fits.HDUList([hdul[0].copy(), fits.BinTableHDU.from_columns(columns, name="SC_DATA")])
        old.writeto(tmp_path / "old.fits")
    assert ft2qa.compare_with_previous(files[1.0], tmp_path / "old.fits").same
    reverse = ft2qa.compare_with_previous(tmp_path / "old.fits", files[1.0])
    assert reverse.missing_columns == ("SC_VELOCITY",) and not reverse.same


def test_compare_with_previous_detects_different_row_counts(files):
    result = ft2qa.compare_with_previous(files[30.0], files[1.0])
    assert not result.same
    assert "row count" in result.summary()


def test_fitsverify_not_installed_is_reported_as_not_available(files):
    assert ft2qa.run_fitsverify([files[30.0]], "no-such-fitsverify --strict") == (
        "not available",
        "'no-such-fitsverify --strict' is not installed",
    )


@pytest.mark.skipif(shutil.which("fitsverify") is None, reason="fitsverify is not installed")
def test_fitsverify_passes_good_files_and_fails_a_truncated_one(files, tmp_path):
    verdict, output = ft2qa.run_fitsverify([files[1.0], files[30.0]], "fitsverify")
    assert verdict == "ok", output
    truncated = tmp_path / "truncated.fits"
    truncated.write_bytes(files[30.0].read_bytes()[:-2880])
    verdict, output = ft2qa.run_fitsverify([truncated])
    assert verdict == "failed" and output
