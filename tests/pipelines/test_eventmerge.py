"""The k-way merge against the FSSC's real FT1 file: split into shuffled, overlapping parts and
merged back, every row comes out byte for byte, sorted, once; headers, GTI and checksums hold."""

import subprocess
import warnings

import numpy as np
import pytest
from astropy.io import fits

from pipelines.science.eventfile import EventFileError, open_event_file
from pipelines.science.eventmerge import merge_event_files, sorted_inputs

REFERENCE = "fermi/J0030+0451_w323_ft1weights.fits"


def _part(reference, rows, path):
    with fits.open(reference) as hdus:
        table = fits.BinTableHDU(hdus["EVENTS"].data[rows], header=hdus["EVENTS"].header)
        fits.HDUList([hdus[0].copy(), table, hdus["GTI"].copy()]).writeto(path, checksum=True)
    return path


@pytest.fixture
def parts(reference_dir, tmp_path):
    reference = reference_dir / REFERENCE
    order = np.random.default_rng(4).permutation(27)
    return reference, [
        _part(reference, order[:18], tmp_path / "a.fits"),
        _part(reference, order[9:], tmp_path / "b.fits"),
    ]


def _merge(paths, tmp_path, buffer_rows):
    sources = sorted_inputs([open_event_file(p) for p in paths], tmp_path)
    output = tmp_path / f"merged-{buffer_rows}.fits"
    with open(output, "wb") as handle:
        counts = merge_event_files(sources, handle, {"DATE": "2023-04-01T00:00:00"}, buffer_rows=buffer_rows)
    return output, counts


@pytest.mark.conformance
@pytest.mark.parametrize("buffer_rows", [2, 1 << 20])
def test_shuffled_overlapping_parts_merge_back_into_the_reference_rows(parts, tmp_path, buffer_rows):
    reference, paths = parts
    output, counts = _merge(paths, tmp_path, buffer_rows)
    assert (counts.events, counts.duplicates, counts.records) == (27, 9, 36)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a wrong CHECKSUM or DATASUM warns
        with fits.open(output, checksum=True) as merged, fits.open(reference) as original:
            rows = original["EVENTS"].data
            expected = rows[np.lexsort((rows["EVENT_ID"], rows["TIME"]))]
            assert np.asarray(merged["EVENTS"].data).tobytes() == np.asarray(expected).tobytes()
            assert merged["EVENTS"].columns.names == original["EVENTS"].columns.names
            assert np.array_equal(merged["GTI"].data["START"], original["GTI"].data["START"])
            assert merged["EVENTS"].header["TSTART"] == original["EVENTS"].header["TSTART"]
            assert merged["EVENTS"].header["EPHNAME"] == original["EVENTS"].header["EPHNAME"]
    verify = subprocess.run(["fitsverify", "-q", "-e", str(output)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout


@pytest.mark.conformance
def test_block_size_does_not_change_a_byte(parts, tmp_path):
    _, paths = parts
    small, _ = _merge(paths, tmp_path, 2)
    large, _ = _merge(paths, tmp_path, 1 << 20)
    assert small.read_bytes() == large.read_bytes()


@pytest.mark.conformance
def test_an_unsorted_input_is_refused_by_the_streaming_merge(parts, tmp_path):
    _, paths = parts
    with (
        open(tmp_path / "out.fits", "wb") as handle,
        pytest.raises(EventFileError, match=r"a\.fits is not sorted"),
    ):
        merge_event_files([open_event_file(paths[0])], handle, {}, buffer_rows=4)


def test_inputs_with_other_columns_are_refused(tmp_path):
    def table(path, columns):
        fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(columns, name="EVENTS")]).writeto(path)
        return open_event_file(path)

    time, event_id = fits.Column("TIME", "D", array=[1.0]), fits.Column("EVENT_ID", "J", array=[1])
    first = table(tmp_path / "one.fits", [time, event_id])
    second = table(tmp_path / "two.fits", [time, event_id, fits.Column("ENERGY", "E", array=[1.0])])
    with (
        open(tmp_path / "out.fits", "wb") as handle,
        pytest.raises(EventFileError, match=r"two\.fits has other EVENTS columns"),
    ):
        merge_event_files([first, second], handle, {})


def test_a_table_without_event_id_is_refused(tmp_path):
    path = tmp_path / "no_id.fits"
    columns = [fits.Column("TIME", "D", array=[1.0])]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(columns, name="EVENTS")]).writeto(path)
    with pytest.raises(EventFileError, match=r"no_id\.fits: EVENTS has no EVENT_ID column"):
        open_event_file(path)
