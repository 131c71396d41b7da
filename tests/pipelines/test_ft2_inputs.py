"""Input that cannot poison output: a corrupted time stamp costs its record only, and telemetry gaps
longer than the configured span are left without bins (not interpolated) and reported."""

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science import ft2, magic7, orbitgen

START = 545208791.0
STOP = START + 600.0


def parse(lines):
    return magic7.parse_magic7(("\n".join(lines) + "\n").encode())


@pytest.fixture(scope="module")
def lines():
    return orbitgen.magic7_lines(START, STOP, seed=6)


@pytest.fixture(scope="module")
def clean(lines):
    return ft2.compute_ft2(parse(lines), START, STOP, ft2.Ft2Config())


def test_one_corrupted_met_far_in_the_future_changes_no_pointing(lines, clean):
    # 545208786 -> 945208786 in the last ATT record of that second: until now the parser kept that
    # record and rejected every later ATT record, and RA_SCZ was off by up to 25 deg in 585 of 601 rows.
    target = max(i for i, line in enumerate(lines) if " ATT 545208786 " in line)
    corrupted = list(lines)
    corrupted[target] = corrupted[target].replace(" ATT 545208786 ", " ATT 945208786 ")
    data = parse(corrupted)
    assert data.report.problems == (magic7.Problem(target + 1, magic7.OUT_OF_SEQUENCE),)
    product = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config())
    assert product.rows == clean.rows == 601
    for name in ("RA_SCZ", "DEC_SCZ", "RA_SCX", "DEC_SCX", "QSJ_1", "QSJ_4", "ROCK_ANGLE"):
        np.testing.assert_array_equal(product.columns[name], clean.columns[name], err_msg=name)


def test_an_attitude_gap_longer_than_the_limit_is_not_interpolated_and_is_reported(lines, clean, tmp_path):
    gap = [
        line
        for line in lines
        if not (" ATT " in line and START + 200 <= int(line.split(" ")[3]) < START + 260)
    ]
    data = parse(gap)
    product = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config(max_gap_seconds=5.0))
    start = product.columns["START"]
    assert not np.any((start > data.att_met[data.att_met < START + 200][-1]) & (start < START + 260))
    kept = np.isin(clean.columns["START"], start)
    assert product.rows == kept.sum() == clean.rows - 60
    np.testing.assert_array_equal(product.columns["RA_SCZ"], clean.columns["RA_SCZ"][kept])
    (described,) = product.metadata["telemetry_gaps"]
    assert described.startswith("ATT records stop for 60.200 s after MET 545208990.962893")
    ft2.write_ft2(product, tmp_path / "gap.fit", ft2.Ft2Config(), "gap.fit")
    header = fits.getheader(tmp_path / "gap.fit", 1)
    assert header["TELGAPS"] == 1 and "ATT records stop for 60.200 s" in str(header["COMMENT"])
    # With a limit above the gap's length the attitude is interpolated across it.
    assert ft2.compute_ft2(data, START, STOP, ft2.Ft2Config(max_gap_seconds=61.0)).rows == clean.rows


def test_a_short_orbit_gap_is_filled_with_interpolated_one_second_bins(lines, clean):
    missing = {START + 100.6, START + 101.6, START + 102.6}
    gap = [line for line in lines if not (" ORB " in line and int(line.split(" ")[3]) + 0.6 in missing)]
    product = ft2.compute_ft2(parse(gap), START, STOP, ft2.Ft2Config())
    np.testing.assert_array_equal(product.columns["START"], clean.columns["START"])
    assert product.metadata["telemetry_gaps"] == []
    off = np.linalg.norm(product.columns["SC_POSITION"] - clean.columns["SC_POSITION"], axis=1)
    assert 0 < off.max() < 1.0  # metres: cubic Hermite over 4 s of orbit
