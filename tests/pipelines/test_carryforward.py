"""Carry-forward reprocessing: every previous column kept bit for bit, SC_VELOCITY added from magic7,
DATA_QUAL set as the L1 processing's flagFT2 does (its loops transcribed below as the reference).
The previous versions are made with the project's own generator."""

import datetime as dt
import shutil
import subprocess

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science import bti, carryforward, ft2, ft2qa, livetime, magic7, orbitgen

from .flagft2 import flagft2

START = 545208791.0
STOP = START + 5700.0  # a run of 95 minutes
FITSVERIFY = shutil.which("fitsverify")
NEW = carryforward.NewVersion(
    2, "P310", 310, "gll_pt1s_p310_r0545208791_v002.fit", "gll_pt_p310_r0545208791_v002.fit",
    dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
)  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("carry")
    orbitgen.write_magic7(folder / "run.magic7", START, STOP, seed=21)
    data = magic7.read_magic7(folder / "run.magic7")
    bins = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config()).columns
    rng = np.random.default_rng(3)
    live = (bins["STOP"] - bins["START"]) * rng.uniform(0.85, 0.95, len(bins["START"]))
    table = folder / "live.csv"
    rows = zip(bins["START"].tolist(), bins["STOP"].tolist(), live.tolist(), strict=True)
    table.write_text("\n".join([livetime.HEADER, *(f"{a!r},{b!r},{c!r}" for a, b, c in rows)]) + "\n")
    source = livetime.read_table(table)
    previous = {}
    for bin_seconds, label in ((1.0, "1s"), (30.0, "30s")):
        previous[label] = folder / ft2.product_filename(bin_seconds, "p202", 545208791, 1)
        config = ft2.Ft2Config(bin_seconds=bin_seconds, proc_ver=202, data_qual=1, definitions="fermi-2014")
        ft2.make_ft2(data, START, STOP, config, previous[label], livetime=source)
    return data, previous, folder


def carry(run, intervals, folder, previous=None, **options):
    data, made, _ = run
    previous = previous or made
    outputs = folder / NEW.filename_1s, folder / NEW.filename_30s
    result = carryforward.carry_forward(
        previous["1s"], previous["30s"], data, intervals, NEW, *outputs, **options
    )
    return result, outputs


def columns(path):
    with fits.open(path) as hdul:
        return {name: np.array(hdul[1].data[name]) for name in hdul[1].columns.names}, hdul[1].header


def test_every_previous_column_is_kept_bit_for_bit_and_the_velocity_comes_from_magic7(run, tmp_path):
    data, previous, _ = run
    result, outputs = carry(run, [], tmp_path)
    assert result.rows == {"1s": 5701, "30s": 191} and result.changed_bins == {"1s": 0, "30s": 0}
    for label, output in zip(("1s", "30s"), outputs, strict=True):
        old, _ = columns(previous[label])
        new, header = columns(output)
        assert list(new) == list(old)
        for name in old:
            if name != "SC_VELOCITY":
                assert new[name].dtype == old[name].dtype and new[name].tobytes() == old[name].tobytes(), name
        on_record = np.isin(new["START"], data.orb_met)
        index = np.searchsorted(data.orb_met, new["START"][on_record])
        np.testing.assert_array_equal(
            new["SC_VELOCITY"][on_record], data.orb_velocity[index].astype(np.float32)
        )
        assert ft2qa.check_velocity(new["START"], new["SC_POSITION"], new["SC_VELOCITY"]).passed
        comparison = ft2qa.compare_with_previous(
            output, previous[label], allowed=("SC_VELOCITY", "DATA_QUAL")
        )
        assert comparison.same, comparison.summary()
        assert header["VERSION"] == 2 and header["PROC_VER"] == 310 and header["FILENAME"] == output.name
        assert header["LIVETSRC"] == "previous-ft2" and header["LIVETREF"] == previous["1s"].name
        assert header["FT2DEFS"] == "fermi-2014"  # the carried columns' own provenance stays
        assert "Carried forward from" in str(header["HISTORY"])
        with fits.open(output, checksum=True) as hdul:
            assert all(hdu.verify_checksum() == 1 and hdu.verify_datasum() == 1 for hdu in hdul)
            assert hdul[0].header["FILENAME"] == output.name
        if FITSVERIFY:
            verify = subprocess.run([FITSVERIFY, "-q", "-e", str(output)], capture_output=True, text=True)
            assert verify.returncode == 0, verify.stdout


def test_a_previous_version_without_sc_velocity_gets_it_added(run, tmp_path):
    _, previous, _ = run
    stripped = {}
    for label, path in previous.items():
        with fits.open(path) as hdul:
            table = hdul[1]
            keep = [c for c in table.columns if c.name != "SC_VELOCITY"]
            hdu = fits.BinTableHDU.from_columns(keep, header=table.header)
            stripped[label] = tmp_path / f"old_{label}.fit"
            fits.HDUList([hdul[0].copy(), hdu]).writeto(stripped[label], checksum=True)
    _, outputs = carry(run, [], tmp_path, previous=stripped)
    new, _ = columns(outputs[0])
    assert list(new)[-1] == "SC_VELOCITY" and np.isfinite(new["SC_VELOCITY"]).all()
    comparison = ft2qa.compare_with_previous(outputs[0], stripped["1s"], allowed=("SC_VELOCITY", "DATA_QUAL"))
    assert comparison.same


def test_overlapping_intervals_flag_in_order_as_flagft2_does(run, tmp_path):
    _, previous, _ = run
    intervals = [
        bti.BadTimeInterval(START + 100.2, START + 700.0, 0),
        bti.BadTimeInterval(START + 450.0, START + 470.0, 3),  # later: overwrites the 0, inside one 30-s bin
        bti.BadTimeInterval(START + 3000.0, START + 3100.5, -1),
        bti.BadTimeInterval(START + 3050.0, START + 3060.0, 1),
    ]
    result, outputs = carry(run, intervals, tmp_path)
    one_old, _ = columns(previous["1s"])
    thirty_old, _ = columns(previous["30s"])
    one = [one_old["START"].tolist(), one_old["STOP"].tolist(), one_old["DATA_QUAL"].tolist()]
    thirty = [thirty_old["START"].tolist(), thirty_old["STOP"].tolist(), thirty_old["DATA_QUAL"].tolist()]
    expected_ranges = flagft2(one, thirty, [((i.start, i.stop), i.value) for i in intervals])
    assert [((r.start, r.stop), r.value) for r in result.ranges] == expected_ranges
    one_new, _ = columns(outputs[0])
    thirty_new, _ = columns(outputs[1])
    assert one_new["DATA_QUAL"].tolist() == one[2] and thirty_new["DATA_QUAL"].tolist() == thirty[2]
    assert set(thirty_new["DATA_QUAL"]) == {0, 1, 3, -1}
    # The 1-s bins are flagged over whole 30-s bins, beyond the interval itself.
    assert one_new["DATA_QUAL"][np.searchsorted(one_new["START"], START + 449.6)] == 3
    assert result.changed_bins["30s"] == np.count_nonzero(thirty_new["DATA_QUAL"] != 1)


def test_one_second_ranges_that_do_not_aggregate_to_the_thirty_second_ranges_are_refused(run, tmp_path):
    _, previous, _ = run
    shifted = tmp_path / "shifted_30s.fit"  # 30-s bins half a second off the 1-s bins
    with fits.open(previous["30s"]) as hdul:
        hdul[1].data["START"] += 0.5
        hdul[1].data["STOP"] += 0.5
        hdul.writeto(shifted, checksum=True)
    interval = [bti.BadTimeInterval(START + 100.0, START + 110.0, 0)]
    with pytest.raises(
        carryforward.CarryForwardError,
        match=r"30-s bins flagged span 545208881\.100000\.\.545208911\.100000 but the 1-s bins flagged span "
        r"545208880\.600000\.\.545208911\.600000; the 1-s ranges must aggregate to the same 30-s ranges",
    ):
        carry(run, interval, tmp_path, previous={"1s": previous["1s"], "30s": shifted})
    assert not (tmp_path / NEW.filename_1s).exists() and not (tmp_path / NEW.filename_30s).exists()


def test_an_interval_outside_the_run_or_magic7_not_reaching_a_bin_is_refused(run, tmp_path):
    data, previous, _ = run
    with pytest.raises(carryforward.CarryForwardError, match="overlaps no bin of the file"):
        carry(run, [bti.BadTimeInterval(STOP + 10, STOP + 20, 0)], tmp_path)
    short = magic7.Magic7Data(**{**data.__dict__, "orb_met": data.orb_met[:-600]})
    with pytest.raises(
        carryforward.CarryForwardError, match=r"give no velocity at START of 59\d rows of the 1s"
    ):
        carryforward.carry_forward(
            previous["1s"], previous["30s"], short, [], NEW, tmp_path / "a.fit", tmp_path / "b.fit"
        )
    assert not (tmp_path / "a.fit").exists()


def test_the_comparison_names_each_changed_column_and_its_rows(run, tmp_path):
    _, previous, _ = run
    changed = tmp_path / "changed.fit"
    with fits.open(previous["1s"]) as hdul:
        hdul[1].data["LIVETIME"][[4, 9]] += 0.001
        hdul[1].data["RA_SCZ"][7] = (
            -0.0 if hdul[1].data["RA_SCZ"][7] == 0 else hdul[1].data["RA_SCZ"][7] + 1e-3
        )
        hdul.writeto(changed, checksum=True)
    comparison = ft2qa.compare_with_previous(changed, previous["1s"])
    assert not comparison.same
    assert [(d.column, d.rows, d.count) for d in comparison.differences] == [
        ("RA_SCZ", (8,), 1),
        ("LIVETIME", (5, 10), 2),
    ]
    assert comparison.summary() == "changed: RA_SCZ (1 rows: 8), LIVETIME (2 rows: 5, 10)"


RENEWED_CARDS = {
    "CHECKSUM",
    "DATASUM",
    "DATE",
    "FILENAME",
    "VERSION",
    "PROC_VER",
    "CREATOR",
    "LIVETSRC",
    "LIVETREF",
}
RENEWED_CARDS |= {"COMMENT", "HISTORY"}


def test_the_new_headers_keep_every_previous_card_but_those_of_the_new_version(run, tmp_path):
    _, previous, _ = run
    _, outputs = carry(run, [], tmp_path)
    for label, output in zip(("1s", "30s"), outputs, strict=True):
        old, new = fits.getheader(previous[label], 1), fits.getheader(output, 1)
        for key in old:
            if key not in RENEWED_CARDS:
                assert (new[key], new.comments[key]) == (old[key], old.comments[key]), key
