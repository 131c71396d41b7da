"""1-s bins from ORB records as ft2Util makes them, split at long telemetry gaps, and 30-s bins merged
from them as ft2Util's mergeFT2 does (the conditions read from fermi-lat/ft2Util src/mergeFT2.cpp)."""

import numpy as np
import pytest

from pipelines.science import ft2bins, magic7

ORB = np.arange(90.6, 200.0, 1.0)
ATT = np.arange(90.2, 200.0, 0.2)
MODE = np.full(len(ORB), 5)


def bins(orb=ORB, start=100.0, stop=160.0, att=ATT, mode=None, max_gap=5.0):
    return ft2bins.one_second_bins(orb, MODE[: len(orb)] if mode is None else mode, att, start, stop, max_gap)


def test_bins_start_on_orb_records_the_first_cut_at_start_the_last_at_stop():
    one = bins()
    assert one.start[0] == 100.0 and one.stop[0] == pytest.approx(100.6)
    np.testing.assert_array_equal(one.start[1:], ORB[(ORB > 100.0) & (ORB < 160.0)])
    np.testing.assert_array_equal(one.stop[:-1], one.start[1:])
    assert one.stop[-1] == 160.0 and one.start[-1] == pytest.approx(159.6)
    assert one.gaps == ()


def test_a_start_on_an_orb_record_has_no_cut_first_bin():
    one = bins(start=100.6, stop=110.6)
    assert one.start[0] == 100.6 and len(one.start) == 10


def test_orb_time_jitter_neither_moves_edges_nor_makes_slivers():
    jittered = ORB + np.tile([0.0, -2e-6, 3e-6], 40)[: len(ORB)]
    one = bins(orb=jittered, start=jittered[10], stop=190.9)
    np.testing.assert_array_equal(one.start, jittered[10:][jittered[10:] < 190.9])
    np.testing.assert_array_equal(one.stop[:-1], one.start[1:])
    assert np.all(one.stop[:-1] - one.start[:-1] > 0.99)


def test_a_short_gap_in_orb_records_is_filled_with_one_second_bins():
    orb = ORB[(ORB < 120) | (ORB > 123)]  # 120.6, 121.6, 122.6 missing: 4 s between records
    one = bins(orb=orb, start=100.6, stop=140.6)
    np.testing.assert_allclose(one.start, np.arange(100.6, 140.5, 1.0))
    np.testing.assert_array_equal(one.stop[:-1], one.start[1:])
    assert one.gaps == ()


def test_a_long_gap_in_orb_records_leaves_a_hole_and_is_reported():
    orb = ORB[(ORB < 120) | (ORB > 127)]
    one = bins(orb=orb, start=100.6, stop=140.6)
    hole = np.flatnonzero(one.stop[:-1] != one.start[1:])
    assert len(hole) == 1
    assert one.start[hole[0]] == pytest.approx(119.6) and one.stop[hole[0]] == pytest.approx(120.6)
    assert one.start[hole[0] + 1] == pytest.approx(127.6)
    assert one.gaps == (magic7.Gap("ORB", orb[29], orb[30]),)
    assert ft2bins.describe_gap(one.gaps[0]) == (
        "ORB records stop for 8.000 s after MET 119.600000: "
        "not interpolated, no bin starts before MET 127.600000"
    )


def test_no_bin_starts_inside_a_long_attitude_gap():
    att = ATT[(ATT < 130.0) | (ATT > 141.0)]
    one = bins(att=att, start=100.6, stop=160.6)
    assert not np.any((one.start > 129.9) & (one.start < 141.1))
    assert one.start[np.searchsorted(one.start, 130.0) - 1] == pytest.approx(129.6)
    assert one.stop[np.searchsorted(one.start, 130.0) - 1] == pytest.approx(130.6)
    (gap,) = one.gaps
    assert gap.kind == "ATT" and gap.after == pytest.approx(129.8) and gap.before == pytest.approx(141.0)
    assert bins(att=att, start=100.6, stop=160.6, max_gap=12.0).start.tolist() == list(
        np.arange(100.6, 160.5)
    )


def test_a_record_less_than_a_second_after_another_starts_a_bin_only_at_a_change_of_mode():
    orb = np.sort(np.concatenate([ORB, [110.9, 120.9]]))
    mode = np.where(orb > 120.7, 4, 5)
    one = bins(orb=orb, mode=mode, start=100.6, stop=130.6)
    assert 120.9 in one.start and 110.9 not in one.start


@pytest.mark.parametrize(
    ("start", "stop", "message"),
    [(160.0, 100.0, "must be after"), (300, 400, "no ORB"), (80, 100, "ORB records cover 90.6")],
)
def test_impossible_spans_are_refused(start, stop, message):
    with pytest.raises(ft2bins.BinError, match=message):
        bins(start=start, stop=stop)
    with pytest.raises(ft2bins.BinError, match=r"gap limit \(0.5 s\) must pass the second"):
        bins(max_gap=0.5)


def merge(start, stop, mode=None, config=None, qual=None, live=None):
    n = len(start)
    ones = np.ones(n, dtype=int)
    return ft2bins.merge_bins(
        start,
        stop,
        ones * 5 if mode is None else mode,
        ones if config is None else config,
        ones if qual is None else qual,
        np.full(n, 0.9) if live is None else live,
    )


def test_thirty_one_second_bins_make_each_merged_bin_the_first_one_cut_as_production_shows():
    one = bins(start=100.0, stop=190.0)
    merged = merge(one.start, one.stop, live=0.9 * (one.stop - one.start))
    # A run starting 0.6 s before its first record: 0.6 + 29 s, then whole 30-s bins (as in
    # the production weekly file, whose runs start with a 29.96-s bin).
    np.testing.assert_allclose(one.start[merged.first], [100.0, 129.6, 159.6, 189.6])
    np.testing.assert_allclose(merged.stop, [129.6, 159.6, 189.6, 190.0])
    np.testing.assert_allclose(merged.livetime, [0.9 * 0.6 + 0.9 * 29, 27.0, 27.0, 0.9 * 0.4])


def test_the_livetime_of_a_merged_bin_is_the_running_sum_of_its_one_second_bins():
    start = np.arange(0.0, 90.0)
    live = np.random.default_rng(2).uniform(0.5, 1.0, 90)
    merged = merge(start, start + 1, live=live)
    expected = []
    for first, last in ((0, 30), (30, 60), (60, 90)):
        total = 0.0
        for value in live[first:last]:
            total += value  # mergeFT2: livetime += thisLivetime
        expected.append(total)
    assert merged.livetime.tolist() == expected


@pytest.mark.parametrize("column", ["mode", "config", "qual"])
def test_a_change_of_mode_configuration_or_quality_ends_a_merged_bin(column):
    start = np.arange(0.0, 60.0)
    changed = np.where(start >= 10, 3, 1)
    merged = merge(start, start + 1, **{column: changed})
    assert start[merged.first].tolist() == [0.0, 10.0, 40.0]
    assert merged.stop.tolist() == [10.0, 40.0, 60.0]


def test_livetime_dropping_to_zero_or_rising_from_zero_ends_a_merged_bin():
    start = np.arange(0.0, 60.0)
    live = np.where((start >= 10) & (start < 15), 0.0, 0.9)
    merged = merge(start, start + 1, live=live)
    assert start[merged.first].tolist() == [0.0, 10.0, 15.0, 45.0]
    assert merged.livetime.tolist() == pytest.approx([9.0, 0.0, 27.0, 13.5])


def test_the_time_limit_is_checked_before_a_change_so_the_last_bin_that_fits_joins_even_if_changed():
    start = np.arange(0.0, 40.0)
    mode = np.where(start >= 29, 4, 5)  # the 30th bin both fills the 30 s and changes mode
    merged = merge(start, start + 1, mode=mode)
    assert start[merged.first].tolist() == [0.0, 30.0]
    assert merged.stop.tolist() == [30.0, 40.0]


def test_a_hole_in_the_one_second_table_ends_a_merged_bin():
    start = np.concatenate([np.arange(0.0, 10.0), np.arange(20.0, 50.0)])
    merged = merge(start, start + 1)
    assert start[merged.first].tolist() == [0.0, 20.0]
    assert merged.stop.tolist() == [10.0, 50.0]
