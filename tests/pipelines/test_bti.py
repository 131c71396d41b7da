import hashlib
import shutil
import subprocess

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science import bti, ft2, magic7, orbitgen

START = 545208791.0
STOP = START + 1800.0
FITSVERIFY = shutil.which("fitsverify")


@pytest.fixture(scope="module")
def run_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bti")
    orbitgen.write_magic7(folder / "run.magic7", START, STOP + 60, seed=8)
    data = magic7.read_magic7(folder / "run.magic7")
    paths = {}
    for bin_seconds, start in ((1.0, START), (30.0, START), ("shifted", START + 0.5)):
        paths[bin_seconds] = folder / f"ft2_{bin_seconds}.fits"
        size = 30.0 if bin_seconds == "shifted" else bin_seconds
        ft2.make_ft2(data, start, STOP, ft2.Ft2Config(bin_seconds=size), paths[bin_seconds])
    return paths


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_to_one(start, quality=2):
    """Bins of a toy run whose 30-s file has the same bins as its 1-s file."""
    bins = bti.Bins(start, start + 1.0, np.full(len(start), quality, dtype=np.int16))
    return bins, bins


def test_overlapping_intervals_apply_in_their_listed_order_the_later_one_winning():
    start = np.arange(0.0, 10.0)
    intervals = [bti.BadTimeInterval(0.0, 10.0, 0), bti.BadTimeInterval(4.0, 6.0, 3)]
    one, thirty = one_to_one(start)
    flagged_1s, flagged_30s, _ = bti.flag_like_flagft2(intervals, one, thirty)
    assert flagged_1s.tolist() == flagged_30s.tolist() == [0, 0, 0, 0, 3, 3, 0, 0, 0, 0]
    flagged_1s, _, _ = bti.flag_like_flagft2(intervals[::-1], one, thirty)
    assert flagged_1s.tolist() == [0] * 10  # listed the other way round, the bad interval wins
    assert one.data_qual.tolist() == [2] * 10  # input untouched


def test_a_bin_is_flagged_when_it_overlaps_the_half_open_interval():
    flagged, _, ranges = bti.flag_like_flagft2(
        [bti.BadTimeInterval(1.5, 3.0, 0)], *one_to_one(np.arange(4.0))
    )
    assert flagged.tolist() == [2, 0, 0, 2]  # [3, 4) only touches the interval's open end
    assert ranges == (bti.BadTimeInterval(1.0, 3.0, 0),)


def test_an_interval_overlapping_no_bin_is_an_error():
    with pytest.raises(bti.BtiError, match=r"overlaps no bin of the file, which covers 0.000000..4.000000"):
        bti.flag_like_flagft2([bti.BadTimeInterval(10.0, 20.0, 0)], *one_to_one(np.arange(4.0)))


@pytest.mark.parametrize(("start", "stop", "value"), [(5.0, 5.0, 0), (6.0, 5.0, 1), (0.0, 1.0, 0.5)])
def test_invalid_intervals_are_refused(start, stop, value):
    with pytest.raises(bti.BtiError):
        bti.BadTimeInterval(start, stop, value)


def test_flag_run_writes_flagged_copies_and_leaves_inputs_alone(run_files, tmp_path):
    before = {key: digest(path) for key, path in run_files.items()}
    intervals = [bti.BadTimeInterval(START, STOP, 1), bti.BadTimeInterval(START + 100.2, START + 200.0, 0)]
    out_1s, out_30s = tmp_path / "flagged_1s.fits", tmp_path / "flagged_30s.fits"
    flagged = bti.flag_run(
        intervals,
        bti.FlagJob(run_files[1.0], out_1s, "gll_pt1s_p310_r0545208791_v002.fit"),
        bti.FlagJob(run_files[30.0], out_30s),
    )
    assert {key: digest(path) for key, path in run_files.items()} == before
    assert flagged.changed == {"1s": len(fits.getdata(out_1s)), "30s": len(fits.getdata(out_30s))}
    bad_span = flagged.ranges[1]  # the 30-s bins the bad interval touches, whole
    assert bad_span.start <= START + 100.2 and bad_span.stop >= START + 200.0
    for path in (out_1s, out_30s):
        with fits.open(path, checksum=True) as hdul:
            assert all(hdu.verify_checksum() == 1 and hdu.verify_datasum() == 1 for hdu in hdul)
            data = hdul["SC_DATA"].data
            bad = (data["START"] < bad_span.stop) & (data["STOP"] > bad_span.start)
            assert (data["DATA_QUAL"][bad] == 0).all() and bad.any()
            assert (data["DATA_QUAL"][~bad] == 1).all()
    assert fits.getheader(out_1s)["FILENAME"] == "gll_pt1s_p310_r0545208791_v002.fit"
    with fits.open(run_files[1.0]) as original, fits.open(out_1s) as result:
        for name in original["SC_DATA"].columns.names:
            if name != "DATA_QUAL":
                np.testing.assert_array_equal(original["SC_DATA"].data[name], result["SC_DATA"].data[name])


@pytest.mark.skipif(FITSVERIFY is None, reason="fitsverify is not installed")
def test_flagged_files_pass_fitsverify(run_files, tmp_path):
    out = tmp_path / "flagged_1s.fits", tmp_path / "flagged_30s.fits"
    jobs = (bti.FlagJob(run_files[1.0], out[0]), bti.FlagJob(run_files[30.0], out[1]))
    bti.flag_run([bti.BadTimeInterval(START + 10, START + 20, -1)], *jobs)
    result = subprocess.run(
        [FITSVERIFY, "-q", "-e", *map(str, out)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "verification OK" in result.stdout, result.stdout


def test_one_second_ranges_that_do_not_aggregate_fail_with_both_and_write_nothing(run_files, tmp_path):
    out_1s, out_30s = tmp_path / "a.fits", tmp_path / "b.fits"
    # The shifted 30-s file starts half a second later: its first bin starts inside a 1-s bin.
    message = (
        rf"BTI interval 1 .*: the 30-s bins flagged span {START + 0.5:.6f}\.\..* but the 1-s bins flagged "
        rf"span {START:.6f}\.\..*; the 1-s ranges must aggregate to the same 30-s ranges"
    )
    with pytest.raises(bti.BtiError, match=message):
        bti.flag_run(
            [bti.BadTimeInterval(START + 1, START + 2, 0)],
            bti.FlagJob(run_files[1.0], out_1s),
            bti.FlagJob(run_files["shifted"], out_30s),
        )
    assert not out_1s.exists() and not out_30s.exists()


def test_flagging_in_place_is_refused(run_files):
    with pytest.raises(bti.BtiError, match="must differ"):
        bti.flag_run(
            [bti.BadTimeInterval(START, START + 10, 0)],
            bti.FlagJob(run_files[1.0], run_files[1.0]),
            bti.FlagJob(run_files[30.0], run_files[30.0]),
        )


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
