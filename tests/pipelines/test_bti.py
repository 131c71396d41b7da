import hashlib
import shutil
import subprocess

import numpy as np
import pytest
from astropy.io import fits

from pipelines import bti, ft2, magic7, orbitgen

START = 545208791.0
STOP = START + 1800.0
FITSVERIFY = shutil.which("fitsverify")


@pytest.fixture(scope="module")
def run_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bti")
    orbitgen.write_magic7(folder / "run.magic7", START, STOP + 60, seed=8)
    data = magic7.read_magic7(folder / "run.magic7")
    paths = {}
    for bin_seconds, stop in ((1.0, STOP), (30.0, STOP), ("short", STOP - 30)):
        paths[bin_seconds] = folder / f"ft2_{bin_seconds}.fits"
        size = 30.0 if bin_seconds == "short" else bin_seconds
        ft2.make_ft2(data, START, stop, ft2.Ft2Config(bin_seconds=size), paths[bin_seconds])
    return paths


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_precedence_order_is_positive_ascending_then_zero_and_negatives():
    values = [-7, 0, 3, -1, 1, 2]
    assert sorted(values, key=bti.precedence) == [1, 2, 3, 0, -1, -7]


def test_overlapping_intervals_apply_in_precedence_order_whatever_their_listing():
    start = np.arange(0.0, 10.0)
    stop = start + 1.0
    quality = np.full(10, 2, dtype=np.int16)
    intervals = [
        bti.BadTimeInterval(0.0, 10.0, -7),
        bti.BadTimeInterval(0.0, 10.0, -1),
        bti.BadTimeInterval(0.0, 10.0, 0),
        bti.BadTimeInterval(0.0, 10.0, 3),
        bti.BadTimeInterval(0.0, 10.0, 1),
    ]
    # Each interval shrinks as its precedence rises, so every stage stays visible.
    spans = {1: (0.0, 10.0), 3: (1.0, 9.0), 0: (2.0, 8.0), -1: (3.0, 7.0), -7: (4.0, 6.0)}
    intervals = [bti.BadTimeInterval(*spans[i.value], i.value) for i in intervals]
    flagged = bti.apply_intervals(start, stop, quality, intervals)
    assert flagged.tolist() == [1, 3, 0, -1, -7, -7, -1, 0, 3, 1]
    assert quality.tolist() == [2] * 10  # input untouched


def test_a_bin_is_flagged_when_it_overlaps_the_half_open_interval():
    start = np.array([0.0, 1.0, 2.0, 3.0])
    stop = start + 1.0
    flagged = bti.apply_intervals(start, stop, np.full(4, 2), [bti.BadTimeInterval(1.5, 3.0, 0)])
    assert flagged.tolist() == [2, 0, 0, 2]  # [3, 4) only touches the interval's open end


@pytest.mark.parametrize(("start", "stop", "value"), [(5.0, 5.0, 0), (6.0, 5.0, 1), (0.0, 1.0, 0.5)])
def test_invalid_intervals_are_refused(start, stop, value):
    with pytest.raises(bti.BtiError):
        bti.BadTimeInterval(start, stop, value)


def test_flag_run_writes_flagged_copies_and_leaves_inputs_alone(run_files, tmp_path):
    before = {key: digest(path) for key, path in run_files.items()}
    intervals = [bti.BadTimeInterval(START + 100.2, START + 200.0, 0), bti.BadTimeInterval(START, STOP, 1)]
    out_1s, out_30s = tmp_path / "flagged_1s.fits", tmp_path / "flagged_30s.fits"
    changed = bti.flag_run(
        intervals,
        bti.FlagJob(run_files[1.0], out_1s, "gll_pt1s_p310_r0545208791_v002.fit"),
        bti.FlagJob(run_files[30.0], out_30s),
    )
    assert {key: digest(path) for key, path in run_files.items()} == before
    assert changed == (len(fits.getdata(out_1s)), len(fits.getdata(out_30s)))
    for path in (out_1s, out_30s):
        with fits.open(path, checksum=True) as hdul:
            assert all(hdu.verify_checksum() == 1 and hdu.verify_datasum() == 1 for hdu in hdul)
            data = hdul["SC_DATA"].data
            bad = (data["START"] < START + 200.0) & (data["STOP"] > START + 100.2)
            assert (data["DATA_QUAL"][bad] == 0).all() and bad.any()
            assert (data["DATA_QUAL"][~bad] == 1).all()
    assert fits.getheader(out_1s)["FILENAME"] == "gll_pt1s_p310_r0545208791_v002.fit"
    with fits.open(run_files[1.0]) as original, fits.open(out_1s) as flagged:
        for name in original["SC_DATA"].columns.names:
            if name != "DATA_QUAL":
                np.testing.assert_array_equal(original["SC_DATA"].data[name], flagged["SC_DATA"].data[name])


@pytest.mark.skipif(FITSVERIFY is None, reason="fitsverify is not installed")
def test_flagged_files_pass_fitsverify(run_files, tmp_path):
    out = tmp_path / "flagged.fits"
    bti.flag_file([bti.BadTimeInterval(START + 10, START + 20, -1)], run_files[30.0], out)
    result = subprocess.run([FITSVERIFY, "-q", "-e", str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "verification OK" in result.stdout, result.stdout


def test_span_mismatch_fails_and_writes_nothing(run_files, tmp_path):
    out_1s, out_30s = tmp_path / "a.fits", tmp_path / "b.fits"
    with pytest.raises(bti.BtiError, match="same run"):
        bti.flag_run(
            [bti.BadTimeInterval(START, START + 10, 0)],
            bti.FlagJob(run_files[1.0], out_1s),
            bti.FlagJob(run_files["short"], out_30s),
        )
    assert not out_1s.exists() and not out_30s.exists()


def test_flagging_in_place_is_refused(run_files):
    with pytest.raises(bti.BtiError, match="must differ"):
        bti.flag_file([bti.BadTimeInterval(START, START + 10, 0)], run_files[1.0], run_files[1.0])


def test_in_order_the_later_interval_wins_where_precedence_would_keep_the_severe_one():
    start = np.arange(0.0, 10.0)
    intervals = [bti.BadTimeInterval(0.0, 10.0, 0), bti.BadTimeInterval(4.0, 6.0, 3)]
    ordered = bti.apply_in_order(start, start + 1, np.full(10, 2), intervals)
    assert ordered.tolist() == [0, 0, 0, 0, 3, 3, 0, 0, 0, 0]
    assert bti.apply_intervals(start, start + 1, np.full(10, 2), intervals).tolist() == [0] * 10


def test_flagft2_flags_one_second_bins_over_the_whole_thirty_second_bins_and_returns_their_spans():
    one = bti.Bins(np.arange(0.0, 60.0), np.arange(1.0, 61.0), np.ones(60, dtype=np.int16))
    thirty = bti.Bins(np.array([0.0, 30.0]), np.array([30.0, 60.0]), np.ones(2, dtype=np.int16))
    flagged_1s, flagged_30s, ranges = bti.flag_like_flagft2([bti.BadTimeInterval(40.5, 41.0, 0)], one, thirty)
    assert flagged_30s.tolist() == [1, 0] and flagged_1s.tolist() == [1] * 30 + [0] * 30
    assert ranges == (bti.BadTimeInterval(30.0, 60.0, 0),)
    assert one.data_qual.tolist() == [1] * 60  # inputs untouched


def test_bti_documents_are_read_as_submit_bti_takes_them():
    document = {"reason": "flare", "intervals": [{"start": 1, "stop": 2.5, "value": -1}]}
    assert bti.intervals_from_document(document) == [bti.BadTimeInterval(1.0, 2.5, -1)]
    assert bti.intervals_from_document(document["intervals"]) == [bti.BadTimeInterval(1.0, 2.5, -1)]
    with pytest.raises(bti.BtiError, match=r"interval 2 .* needs numbers start, stop and value"):
        bti.intervals_from_document([{"start": 1, "stop": 2, "value": 0}, {"start": 1}])
