"""The FT2 generator: bins and state from magic7, every derived column from the named definition set,
30-s files merged from the 1-s bins, provenance in the header, fitsverify-clean files."""

import dataclasses
import datetime as dt
import shutil
import subprocess

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science import ft2, ft2science, ft2state, livetime, magic7, orbitgen
from pipelines.science.fitsstream import stamp_checksums
from pipelines.science.ft2science import frames

START = 545208791.0
STOP = START + 3600.0
RUN = 545208791
FITSVERIFY = shutil.which("fitsverify")
PROVENANCE = (
    "FT2DEFS",
    "IGRF",
    "IGRFSHA",
    "NUMPYVER",
    "NUMBAVER",
    "ASTROVER",
    "ERFAVER",
    "IERSVER",
    "LIVETSRC",
    "LIVETREF",
)


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


@pytest.mark.parametrize(
    ("start", "stop", "config", "message"),
    [
        (START, STOP, ft2.Ft2Config(bin_seconds=5.0), "bin size"),
        (STOP, START, ft2.Ft2Config(), "must be after"),
        (START - 100, STOP, ft2.Ft2Config(), "ORB records cover"),
        (STOP + 100, STOP + 200, ft2.Ft2Config(), "no ORB record"),
        (START, STOP, ft2.Ft2Config(definitions="fermi-1999"), "unknown definition set 'fermi-1999'"),
    ],
)
def test_bad_requests_are_refused(data, start, stop, config, message):
    with pytest.raises(ft2.Ft2Error, match=message):
        ft2.compute_ft2(data, start, stop, config)


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
    np.testing.assert_allclose(
        quaternion, ft2state.slerp(data.att_met, data.att_quaternion, columns["START"])
    )


@pytest.mark.parametrize("definitions", ft2science.available())
def test_every_derived_column_comes_from_the_named_definition_set(data, definitions):
    config = ft2.Ft2Config(bin_seconds=30.0, definitions=definitions)
    product = ft2.compute_ft2(data, START, START + 1200, config)
    columns = product.columns
    quaternion = np.column_stack([columns[f"QSJ_{i}"] for i in range(1, 5)])
    later = ft2state.orbit_state(data, columns["START"] + 1.0)[0]
    expected = ft2science.derive(
        definitions, columns["START"], columns["STOP"], columns["SC_POSITION"], quaternion, later
    )
    for name in ft2science.COLUMNS:
        np.testing.assert_array_equal(columns[name], expected[name], err_msg=name)
    assert product.metadata == {
        **ft2science.versions(definitions),
        "bin_seconds": 30.0,
        "rows": product.rows,
        "livetime_source": "none",
        "livetime_input": "",
        "telemetry_gaps": [],
        "max_gap_seconds": ft2.Ft2Config().max_gap_seconds,
    }


def test_the_sets_differ_where_their_definitions_do(data):
    derived = {
        name: ft2.compute_ft2(
            data, START, START + 600, ft2.Ft2Config(bin_seconds=30.0, definitions=name)
        ).columns
        for name in ft2science.available()
    }
    legacy, ferrari, modern = (derived[name] for name in ("fermi-2014", "fermi-2019", "modern"))
    assert 0.01 < np.abs(legacy["LAT_GEO"] - ferrari["LAT_GEO"]).max() < 0.5  # geodetic formula
    assert np.abs(ferrari["B_MCILWAIN"] / legacy["B_MCILWAIN"] - 1).max() > 1e-4  # IGRF-12 vs IGRF-11
    assert np.abs(modern["LON_GEO"] - ferrari["LON_GEO"]).max() > 0.05  # precession since J2000
    np.testing.assert_array_equal(legacy["RA_SCZ"], modern["RA_SCZ"])  # attitude is attitude


def test_geomagnetic_columns_are_computed_for_every_row_not_interpolated(products):
    _, product = products[1.0]
    columns = product.columns
    for name in ("L_MCILWAIN", "B_MCILWAIN", "GEOMAG_LAT", "LAMBDA"):
        assert np.isfinite(columns[name]).all(), name
    assert columns["B_MCILWAIN"].min() >= 0.99 and columns["B_MCILWAIN"].max() < 7.0  # B/B0, not Gauss
    assert columns["L_MCILWAIN"].min() > 0.9 and columns["L_MCILWAIN"].max() < 2.5  # 25.6 deg orbit
    assert columns["GEOMAG_LAT"].min() >= 0.0  # invariant latitude is unsigned
    assert (columns["LAMBDA"] < 0).any() and (columns["LAMBDA"] > 0).any()  # both hemispheres
    # Each row alone gives its own value: nothing comes from neighbouring rows.
    rows = np.random.default_rng(5).choice(product.rows - 1, 20, replace=False)
    quaternion = np.column_stack([columns[f"QSJ_{i}"] for i in range(1, 5)])
    position = columns["SC_POSITION"].astype(float)
    for row in rows.tolist():
        one, after = slice(row, row + 1), slice(row + 1, row + 2)
        alone = ft2science.derive(
            "fermi-2019",
            columns["START"][one],
            columns["STOP"][one],
            position[one],
            quaternion[one],
            position[after],
        )
        for name in ("L_MCILWAIN", "B_MCILWAIN", "GEOMAG_LAT", "LAMBDA"):
            assert alone[name][0] == pytest.approx(columns[name][row], rel=1e-5, abs=1e-5), (name, row)


def test_the_orbital_pole_is_position_at_start_crossed_with_position_a_second_later(data, products):
    _, product = products[1.0]
    columns = product.columns
    start = columns["START"]
    position = ft2state.orbit_state(data, start)[0]
    later = ft2state.orbit_state(data, start + 1.0)[0]
    ra, dec = frames.ra_dec(frames.orbit_pole(position, later))
    np.testing.assert_array_equal(columns["RA_NPOLE"][:-1], ra[:-1].astype(np.float32))
    np.testing.assert_array_equal(columns["DEC_NPOLE"][:-1], dec[:-1].astype(np.float32))
    # The last row has no row after it and takes the pole of the row before (ft2Util writeFT2file).
    assert (columns["RA_NPOLE"][-1], columns["DEC_NPOLE"][-1]) == (
        columns["RA_NPOLE"][-2],
        columns["DEC_NPOLE"][-2],
    )


def test_thirty_second_rows_are_their_first_one_second_row_with_the_stop_and_livetime_of_the_group(
    data, tmp_path
):
    table = tmp_path / "live.csv"
    one_second = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config())
    start, stop = one_second.columns["START"], one_second.columns["STOP"]
    live = np.round(0.87 * (stop - start), 6)
    lines = [
        livetime.HEADER,
        *(f"{a!r},{b!r},{c!r}" for a, b, c in zip(start.tolist(), stop.tolist(), live.tolist(), strict=True)),
    ]
    table.write_text("\n".join(lines) + "\n")
    source = livetime.read_table(table)
    one = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config(), livetime=source).columns
    thirty = ft2.compute_ft2(data, START, STOP, ft2.Ft2Config(bin_seconds=30.0), livetime=source).columns
    first = np.searchsorted(one["START"], thirty["START"])
    np.testing.assert_array_equal(one["START"][first], thirty["START"])
    for name, values in thirty.items():
        if name not in ("STOP", "LIVETIME"):
            np.testing.assert_array_equal(values, one[name][first], err_msg=name)
    last = np.append(first[1:], len(one["START"])) - 1
    np.testing.assert_array_equal(thirty["STOP"], one["STOP"][last])
    sums = [sum(one["LIVETIME"][a : b + 1].tolist()) for a, b in zip(first, last, strict=True)]
    assert thirty["LIVETIME"].tolist() == pytest.approx(sums, rel=1e-15)
    np.testing.assert_array_equal(one["LIVETIME"], live)
    assert thirty["STOP"][0] - thirty["START"][0] == pytest.approx(29.6)  # 0.6-s cut bin + 29 bins


def test_written_files_follow_the_template_and_name_their_provenance(products):
    template = ft2.load_ft2_template()
    table = template.table("SC_DATA")
    for path, product in products.values():
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
                assert header["FT2DEFS"] == "fermi-2019" and header["IGRF"] == "IGRF-12"
                assert header["IGRFSHA"] == product.metadata["igrf_sha256"][:16]
                assert header["NUMPYVER"] == np.__version__ and header["IERSVER"] == product.metadata["iers"]
                assert header["LIVETSRC"] == "none" and header["LIVETREF"] == "NONE"
                assert header["TELGAPS"] == 0
                assert "no livetime source" in str(header["COMMENT"])
                assert hdu.verify_checksum() == 1 and hdu.verify_datasum() == 1
            extension = hdul["SC_DATA"].header
            assert extension["TIMEZERO"] == 0.0 and extension["CLOCKAPP"] is False
            assert extension["TIMEREF"] == "LOCAL" and extension["TASSIGN"] == "SATELLITE"
            assert (data["DATA_QUAL"] == ft2.DEFAULT_DATA_QUAL).all()
            assert (data["LAT_CONFIG"] == ft2.DEFAULT_LAT_CONFIG).all()
            assert (data["LIVETIME"] == 0).all()
            assert ((data["LON_GEO"] >= -180) & (data["LON_GEO"] <= 180)).all()


@pytest.mark.skipif(FITSVERIFY is None, reason="fitsverify is not installed")
@pytest.mark.parametrize("bin_seconds", ft2.BIN_SIZES)
def test_fitsverify_reports_no_errors(products, bin_seconds):
    run_fitsverify(products[bin_seconds][0])


@pytest.mark.skipif(FITSVERIFY is None, reason="fitsverify is not installed")
@pytest.mark.parametrize("definitions", ["fermi-2014", "modern"])
def test_files_of_the_other_sets_are_fitsverify_clean_and_named(data, tmp_path, definitions):
    path = tmp_path / "out.fit"
    ft2.make_ft2(data, START, START + 300, ft2.Ft2Config(bin_seconds=30.0, definitions=definitions), path)
    run_fitsverify(path)
    assert fits.getheader(path)["FT2DEFS"] == definitions


def test_config_fills_its_columns_and_header(data, tmp_path):
    config = ft2.Ft2Config(bin_seconds=30.0, data_qual=1, lat_config=0, proc_ver=311, version=4)
    product = ft2.compute_ft2(data, START, STOP, config)
    columns = product.columns
    assert (columns["DATA_QUAL"] == 1).all() and (columns["LAT_CONFIG"] == 0).all()
    created = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    ft2.write_ft2(product, tmp_path / "out.fits", config, "named.fit", created=created)
    header = fits.getheader(tmp_path / "out.fits", 1)
    assert header["DATE"] == "2026-01-02T03:04:05"
    assert header["FILENAME"] == "named.fit" and header["PROC_VER"] == 311 and header["VERSION"] == 4
    assert set(PROVENANCE) <= set(header)


def test_same_inputs_and_creation_date_give_identical_files(data, tmp_path):
    config = ft2.Ft2Config(bin_seconds=30.0)
    created = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    product = ft2.compute_ft2(data, START, START + 600, config)
    for name in ("a.fit", "b.fit"):
        ft2.write_ft2(product, tmp_path / name, config, "same.fit", created=created)
        stamp_checksums(tmp_path / name)  # astropy dates the CHECKSUM comment to the second
    assert (tmp_path / "a.fit").read_bytes() == (tmp_path / "b.fit").read_bytes()


def test_a_product_of_a_few_rows_is_complete(data):
    product = ft2.compute_ft2(data, START, START + 2.0, ft2.Ft2Config())
    assert product.rows == 3
    assert all(np.isfinite(product.columns[name]).all() for name in ft2science.COLUMNS)


def test_config_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ft2.Ft2Config().bin_seconds = 30.0


def test_the_pair_merges_its_thirty_second_rows_from_its_one_second_rows(data):
    one, thirty = ft2.compute_ft2_pair(data, START, START + 600, ft2.Ft2Config(bin_seconds=30.0))
    alone = ft2.compute_ft2(data, START, START + 600, ft2.Ft2Config(bin_seconds=30.0))
    assert (one.metadata["bin_seconds"], thirty.metadata["bin_seconds"]) == (1.0, 30.0)
    assert thirty.rows == alone.rows < one.rows
    first = np.searchsorted(one.columns["START"], thirty.columns["START"])
    for name, values in thirty.columns.items():
        if name not in ("STOP", "LIVETIME"):
            np.testing.assert_array_equal(values, one.columns[name][first])  # taken, not computed again
        # Computed on the merged rows alone, the same numbers (to the last bits numpy may vary in).
        np.testing.assert_allclose(values, alone.columns[name], rtol=1e-12, atol=1e-9)
