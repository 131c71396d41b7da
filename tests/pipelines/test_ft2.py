import dataclasses
import datetime as dt
import shutil
import subprocess

import numpy as np
import pytest
from astropy.io import fits

from pipelines import ft2, magic7, orbitgen

START = 545208791.0
STOP = START + 3600.0
RUN = 545208791
FITSVERIFY = shutil.which("fitsverify")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("magic7") / "run.magic7.gz"
    orbitgen.write_magic7(path, START, STOP, seed=11)
    return magic7.read_magic7(path)


@pytest.fixture(scope="module")
def products(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ft2")
    written = {}
    for bin_seconds in ft2.BIN_SIZES:
        config = ft2.Ft2Config(bin_seconds=bin_seconds)
        name = ft2.product_filename(bin_seconds, "p310", RUN, 1)
        product = ft2.make_ft2(data, START, STOP, config, folder / name)
        written[bin_seconds] = (folder / name, product)
    return written


def run_fitsverify(path):
    result = subprocess.run([FITSVERIFY, "-q", "-e", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "verification OK" in result.stdout, result.stdout + result.stderr


def test_product_filenames():
    assert ft2.product_filename(1, "p310", RUN, 1) == "gll_pt1s_p310_r0545208791_v001.fit"
    assert ft2.product_filename(30, 310, RUN, 12) == "gll_pt_p310_r0545208791_v012.fit"
    with pytest.raises(ft2.Ft2Error):
        ft2.product_filename(5, "p310", RUN, 1)


def test_bin_edges_sit_on_orb_times_and_cut_at_start_and_stop():
    orb = np.arange(100.6, 200.0, 1.0)
    starts, stops = ft2.bin_edges(orb, 100.0, 160.0, 1.0)
    assert starts[0] == 100.0 and stops[0] == pytest.approx(100.6)
    np.testing.assert_array_equal(starts[1:], orb[orb < 160.0])
    np.testing.assert_array_equal(stops[:-1], starts[1:])
    assert stops[-1] == 160.0 and starts[-1] == pytest.approx(159.6)

    starts30, stops30 = ft2.bin_edges(orb, 100.0, 160.0, 30.0)
    np.testing.assert_allclose(starts30, [100.0, 100.6, 130.6])
    np.testing.assert_allclose(stops30, [100.6, 130.6, 160.0])
    assert set(starts30) <= set(starts)


def test_bins_starting_on_an_orb_record_have_no_cut_first_bin():
    orb = np.arange(100.6, 200.0, 1.0)
    starts, _ = ft2.bin_edges(orb, 100.6, 110.6, 1.0)
    assert starts[0] == 100.6 and len(starts) == 10


def test_missing_orb_records_leave_a_gap_not_a_long_bin():
    orb = np.arange(100.6, 200.0, 1.0)
    orb = orb[(orb < 120) | (orb > 125)]
    starts, stops = ft2.bin_edges(orb, 100.6, 140.6, 1.0)
    gap = np.flatnonzero(stops[:-1] != starts[1:])
    assert len(gap) == 1
    assert starts[gap[0]] == pytest.approx(119.6) and stops[gap[0]] == pytest.approx(120.6)
    assert starts[gap[0] + 1] == pytest.approx(125.6)
    assert np.all(stops - starts <= 1.0 + 1e-9)


def test_orb_time_jitter_does_not_move_edges():
    orb = np.arange(100.6, 200.0, 1.0) + np.tile([0.0, -2e-6, 3e-6], 34)[:100]
    starts, _ = ft2.bin_edges(orb, 100.6, 190.6, 30.0)
    np.testing.assert_allclose(starts, [100.6, 130.6, 160.6], atol=1e-5)


@pytest.mark.parametrize(
    ("start", "stop", "bin_seconds", "message"),
    [
        (START, STOP, 5.0, "bin size"),
        (STOP, START, 1.0, "must be after"),
        (START - 100, STOP, 1.0, "ORB records cover"),
        (STOP + 100, STOP + 200, 1.0, "no ORB record"),
    ],
)
def test_bad_requests_are_refused(data, start, stop, bin_seconds, message):
    with pytest.raises(ft2.Ft2Error, match=message):
        ft2.compute_ft2(data, start, stop, ft2.Ft2Config(bin_seconds=bin_seconds))


def test_values_at_start_come_from_the_orb_and_att_records(data, products):
    _, product = products[1.0]
    columns = product.columns
    on_orb = np.isin(columns["START"], data.orb_met)
    assert on_orb[1:].all() and not on_orb[0]  # only the cut first bin starts between records
    index = np.searchsorted(data.orb_met, columns["START"][1:])
    np.testing.assert_array_equal(columns["SC_POSITION"][1:], data.orb_position[index])
    np.testing.assert_array_equal(columns["SC_VELOCITY"][1:], data.orb_velocity[index])
    np.testing.assert_array_equal(columns["IN_SAA"][1:], data.orb_in_saa[index])
    np.testing.assert_array_equal(columns["LAT_MODE"][1:], data.orb_mode[index])
    quaternion = np.column_stack([columns[f"QSJ_{i}"] for i in range(1, 5)])
    np.testing.assert_allclose(quaternion, ft2.slerp(data.att_met, data.att_quaternion, columns["START"]))
    _, z_axis = ft2.body_axes(quaternion)
    ra, dec = ft2.ra_dec(z_axis)
    np.testing.assert_allclose(columns["RA_SCZ"], ra)
    np.testing.assert_allclose(columns["DEC_SCZ"], dec)


def test_generated_survey_attitude_rocks_fifty_degrees(products):
    _, product = products[30.0]
    rock = product.columns["ROCK_ANGLE"]
    assert rock.max() == pytest.approx(50.0, abs=0.01)
    assert rock.min() == pytest.approx(-50.0, abs=0.01)
    np.testing.assert_allclose(product.columns["RAD_GEO"], 550e3, atol=25e3)
    assert np.abs(product.columns["LAT_GEO"]).max() < 26.0


def test_written_files_follow_the_template(products):
    template = ft2.load_ft2_template()
    table = template.table("SC_DATA")
    for bin_seconds, (path, product) in products.items():
        with fits.open(path, checksum=True) as hdul:
            assert [hdu.name for hdu in hdul] == ["PRIMARY", "SC_DATA"]
            data = hdul["SC_DATA"].data
            assert [(c.name, c.format, c.unit) for c in data.columns] == [
                (c.name, c.tform, c.unit) for c in table.columns
            ]
            assert len(data) == product.rows
            for hdu in hdul:
                header = hdu.header
                assert header["TELESCOP"] == "GLAST" and header["INSTRUME"] == "LAT"
                assert header["MJDREFI"] == 51910 and header["MJDREFF"] == 7.428703703703703e-4
                assert header["TSTART"] == START and header["TSTOP"] == STOP
                assert header["DATE-OBS"] == "2018-04-12T06:53:06.000"
                assert header["DATE-END"] == "2018-04-12T07:53:06.000"
                assert header["FILENAME"] == path.name
                assert header["PROC_VER"] == 310 and header["VERSION"] == 1
                assert hdu.verify_checksum() == 1 and hdu.verify_datasum() == 1
            extension = hdul["SC_DATA"].header
            assert extension["TIMEZERO"] == 0.0 and extension["CLOCKAPP"] is False
            assert extension["TIMEREF"] == "LOCAL" and extension["TASSIGN"] == "SATELLITE"
            assert (data["DATA_QUAL"] == ft2.DEFAULT_DATA_QUAL).all()
            assert (data["LAT_CONFIG"] == ft2.DEFAULT_LAT_CONFIG).all()
            assert (data["LIVETIME"] == 0).all()
            assert np.isnan(data["L_MCILWAIN"]).all() and np.isnan(data["LAMBDA"]).all()
            durations = data["STOP"] - data["START"]
            np.testing.assert_allclose(durations[1:-1], bin_seconds, atol=1e-6)
            assert durations[0] == pytest.approx(0.6) and durations[-1] == pytest.approx(bin_seconds - 0.6)


@pytest.mark.skipif(FITSVERIFY is None, reason="fitsverify is not installed")
@pytest.mark.parametrize("bin_seconds", ft2.BIN_SIZES)
def test_fitsverify_reports_no_errors(products, bin_seconds):
    run_fitsverify(products[bin_seconds][0])


def test_config_and_livetime_fill_their_columns(data, tmp_path):
    config = ft2.Ft2Config(bin_seconds=30.0, data_qual=1, lat_config=0, proc_ver=311, version=4)
    counter = ft2.Livetime(met=np.array([START, STOP]), cumulative=np.array([0.0, 0.9 * (STOP - START)]))
    product = ft2.compute_ft2(data, START, STOP, config, livetime=counter)
    columns = product.columns
    assert (columns["DATA_QUAL"] == 1).all() and (columns["LAT_CONFIG"] == 0).all()
    np.testing.assert_allclose(columns["LIVETIME"], 0.9 * (columns["STOP"] - columns["START"]))
    created = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    ft2.write_ft2(product, tmp_path / "out.fits", config, "named.fit", created=created)
    header = fits.getheader(tmp_path / "out.fits", 1)
    assert header["DATE"] == "2026-01-02T03:04:05"
    assert header["FILENAME"] == "named.fit" and header["PROC_VER"] == 311 and header["VERSION"] == 4


def test_same_inputs_and_creation_date_give_identical_files(data, tmp_path):
    config = ft2.Ft2Config(bin_seconds=30.0)
    created = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    product = ft2.compute_ft2(data, START, START + 600, config)
    for name in ("a.fit", "b.fit"):
        ft2.write_ft2(product, tmp_path / name, config, "same.fit", created=created)
    assert (tmp_path / "a.fit").read_bytes() == (tmp_path / "b.fit").read_bytes()


@pytest.mark.skipif(ft2.ppigrf is None, reason="ppigrf (IGRF) is not installed")
def test_geomagnetic_columns_follow_igrf(data, products):
    _, product = products[1.0]
    columns = product.columns
    assert columns["B_MCILWAIN"].min() > 0.15 and columns["B_MCILWAIN"].max() < 0.6
    template = ft2.load_ft2_template()
    mjdref = ft2.mjd_reference(template)
    rows = np.linspace(0, product.rows - 1, 25).astype(int)
    ephemeris = ft2.CoarseEphemeris.compute(START, STOP, mjdref)
    itrs = ephemeris.gcrs_to_itrs(columns["SC_POSITION"][rows], columns["START"][rows], mjdref)
    epoch = ft2.met_to_time((START + STOP) / 2, mjdref).tt.to_datetime()
    direct = ft2.igrf_field_strength(itrs, epoch)
    # Interpolation from the 60-s grid stays within 2 nT (2e-5 Gauss) of direct evaluation.
    np.testing.assert_allclose(columns["B_MCILWAIN"][rows], direct, atol=2e-5)
    pole = ft2.dipole_axis(epoch)
    latitude, longitude, _ = ft2.geodetic(pole[None, :] * 6.4e6)
    assert 79 < latitude[0] < 82 and 280 < longitude[0] < 295  # IGRF dipole pole, 2015-2020
    assert np.abs(columns["GEOMAG_LAT"]).max() < 26.0 + 11.0


def test_without_ppigrf_geomagnetic_columns_are_nan_and_commented(data, tmp_path, monkeypatch):
    monkeypatch.setattr(ft2, "ppigrf", None)
    config = ft2.Ft2Config(bin_seconds=30.0)
    product = ft2.compute_ft2(data, START, START + 300, config)
    for name in ("B_MCILWAIN", "L_MCILWAIN", "GEOMAG_LAT", "LAMBDA"):
        assert np.isnan(product.columns[name]).all()
    ft2.write_ft2(product, tmp_path / "out.fits", config, "out.fits")
    assert ft2.GEOMAG_UNAVAILABLE in str(fits.getheader(tmp_path / "out.fits", 1)["COMMENT"])


def test_product_with_few_rows_evaluates_the_field_directly(data):
    product = ft2.compute_ft2(data, START, START + 2.0, ft2.Ft2Config())
    assert product.rows == 3
    if ft2.ppigrf is not None:
        assert np.isfinite(product.columns["B_MCILWAIN"]).all()


def test_config_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ft2.Ft2Config().bin_seconds = 30.0
