"""Checking inversion results: headers, sizes and every value, each problem naming its file."""

import numpy as np
import pytest
from astropy.io import fits

from l2portal.programs.science.inversion import InversionFileError, InversionFiles, validate_inversion_files
from l2portal.programs.science.quantities import QUANTITY_INDEX
from l2portal.programs.standins import synthetic_frames

PROGRAM = "eid_1_118_op00001"


@pytest.fixture
def files(tmp_path):
    return synthetic_frames.write_inversion_files(tmp_path, PROGRAM, n_frames=3, n_slit=5, n_depth=6)


def rewrite_primary(path, data=None, drop=(), **keywords):
    with fits.open(path) as hdus:
        copies = [hdu.copy() for hdu in hdus]
    if data is not None:
        copies[0] = fits.PrimaryHDU(data, header=copies[0].header)
    for keyword in drop:
        del copies[0].header[keyword]
    copies[0].header.update(keywords)
    fits.HDUList(copies).writeto(path, overwrite=True)


def problems_of(files, **kwargs):
    with pytest.raises(InversionFileError) as raised:
        validate_inversion_files(files, **kwargs)
    return raised.value.problems


def test_good_files_are_accepted_with_their_geometry(files):
    summary = validate_inversion_files(files, program_id=PROGRAM)
    assert (summary.n_frames, summary.n_slit, summary.n_depth, summary.n_wavelengths) == (3, 5, 6, 32)
    assert summary.lines == ("Fe I 630", "Ca II 854")
    assert (summary.pixels_per_bin, summary.fiducial_arm) == (4, 1)
    assert (summary.log_tau_start, summary.log_tau_step) == (1.2, -0.1)


def test_a_header_without_its_data_is_refused(files):
    """2,880 bytes: a valid 4-D header announcing the quantities, and nothing after it."""
    header = fits.PrimaryHDU(np.zeros((11, 6, 3, 5), dtype=np.float32)).header
    files.quantities.write_bytes(header.tostring().encode())  # padded to one 2,880-byte block
    assert files.quantities.stat().st_size == 2880
    [problem] = problems_of(files)
    assert problem.startswith("inverted quantities file inv_res_mod.fits: truncated: its header announces")
    assert "3,960 bytes of them are not in the file" in problem


def test_values_must_be_finite(files):
    with fits.open(files.quantities) as hdus:
        data = hdus[0].data.copy()
    data[QUANTITY_INDEX["temperature"], 2, 1, 4] = np.nan
    data[QUANTITY_INDEX["velocity"], 0, 2, 0] = np.inf
    rewrite_primary(files.quantities, data)
    [problem] = problems_of(files)
    assert problem == (
        "inverted quantities file inv_res_mod.fits: 2 values are not finite (NaN or infinite), "
        "the first at temperature, depth 2, frame 1, slit 4"
    )


def test_profiles_must_be_finite_too(files):
    with fits.open(files.original_profiles) as hdus:
        data = hdus[0].data.copy()
    data[3, 7, 0, 1] = np.nan
    rewrite_primary(files.original_profiles, data)
    [problem] = problems_of(files)
    assert "per_ori.fits: 1 values are not finite" in problem and "Stokes V, wavelength 7, frame 0" in problem


def test_a_model_atmosphere_has_positive_temperature_pressure_and_density(files):
    with fits.open(files.quantities) as hdus:
        data = hdus[0].data.copy()
    data[QUANTITY_INDEX["temperature"], :, 0, :] *= -1
    data[QUANTITY_INDEX["density"], 0, 0, 0] = 0.0
    rewrite_primary(files.quantities, data)
    problems = problems_of(files)
    assert any("30 temperature values are not positive" in p and "(in K)" in p for p in problems)
    assert any("1 density values are not positive" in p and "(in g/cm^3)" in p for p in problems)


def test_every_pixel_shares_one_evenly_spaced_optical_depth_grid(files):
    with fits.open(files.quantities) as hdus:
        data = hdus[0].data.copy()
    data[QUANTITY_INDEX["opticalDepth"], 3, 2, 2] += 0.05
    rewrite_primary(files.quantities, data)
    assert any("1 optical depths differ from the first pixel's grid" in p for p in problems_of(files))
    data[QUANTITY_INDEX["opticalDepth"], 3, :, :] -= 0.3
    data[QUANTITY_INDEX["opticalDepth"], 3, 2, 2] -= 0.05
    rewrite_primary(files.quantities, data)
    assert any("is not evenly spaced" in p for p in problems_of(files))


def test_integer_data_is_refused(files):
    rewrite_primary(files.quantities, np.ones((11, 6, 3, 5), dtype=np.int16))
    [problem] = problems_of(files)
    assert "must be floating point (BITPIX -32 or -64), not BITPIX 16" in problem


def test_wrong_number_of_quantities_is_rejected(files):
    rewrite_primary(files.quantities, np.zeros((10, 6, 3, 5), dtype=np.float32))
    [problem] = problems_of(files)
    assert problem.startswith("inverted quantities file inv_res_mod.fits: first axis must have 11 entries")


def test_wrong_dimensionality_is_rejected(files):
    rewrite_primary(files.fit_profiles, np.zeros((4, 16, 5), dtype=np.float32))
    [problem] = problems_of(files)
    assert "fitted profiles file inv_res_pre.fits: primary data must be 4-D" in problem


def test_inconsistent_frames_between_files_are_rejected(files):
    rewrite_primary(files.original_profiles, np.ones((4, 32, 2, 5), dtype=np.float32))
    problems = problems_of(files)
    assert any("original profiles file per_ori.fits: (y, x) = (2, 5) does not match" in p for p in problems)
    assert any("differs from original profiles file per_ori.fits shape" in p for p in problems)


def test_profile_extensions_must_match_the_wavelength_axis(files):
    with fits.open(files.fit_profiles) as hdus:
        copies = [hdu.copy() for hdu in hdus[:2]]
    copies[1] = fits.ImageHDU(np.zeros(9, dtype=np.float32))
    fits.HDUList(copies).writeto(files.fit_profiles, overwrite=True)
    [problem] = problems_of(files)
    assert "inv_res_pre.fits: needs 2 extensions" in problem


def test_unknown_and_interleaved_line_ids_are_rejected(tmp_path):
    files = synthetic_frames.write_inversion_files(tmp_path / "a", PROGRAM, line_ids=(23, 99))
    assert any("unknown line ids [99]" in p for p in problems_of(files))
    files = synthetic_frames.write_inversion_files(tmp_path / "b", PROGRAM, line_ids=(23, 4, 23))
    assert any("one run per line" in p and "[23, 4, 23]" in p for p in problems_of(files))


def test_the_slice_keywords_are_required_and_another_program_is_refused(files):
    rewrite_primary(files.fit_profiles, drop=("DESR-BIN",), OBSPR_ID="another_op")
    problems = problems_of(files, program_id=PROGRAM)
    assert problems == [
        f"fitted profiles file inv_res_pre.fits: OBSPR_ID is 'another_op', expected {PROGRAM!r}",
        "fitted profiles file inv_res_pre.fits: primary header needs DESR-BIN, a positive integer, as the "
        "inversion code writes it (found None)",
    ]
    rewrite_primary(files.fit_profiles, drop=("OBSPR_ID",), **{"DESR-BIN": 4})
    assert validate_inversion_files(files, program_id=PROGRAM).n_frames == 3  # OBSPR_ID is optional


def test_unreadable_and_missing_files_are_named(files, tmp_path):
    files.original_profiles.write_bytes(b"this is not FITS at all" * 200)
    broken = InversionFiles(files.quantities, tmp_path / "absent.fits", files.original_profiles)
    problems = problems_of(broken)
    assert problems[0].startswith("fitted profiles file absent.fits: not a readable FITS file")
    assert problems[1].startswith("original profiles file per_ori.fits: not a readable FITS file")
    assert "inversion results rejected" in str(InversionFileError(problems))


def test_malformed_headers_are_problems_not_crashes(files):
    for path, card in (
        (files.quantities, b"NAXIS1  =                   -5"),
        (files.fit_profiles, b"BITPIX  = 'abc'"),
    ):
        raw = bytearray(path.read_bytes())
        start = raw.find(card[:9])
        raw[start : start + 30] = card.ljust(30)
        path.write_bytes(bytes(raw))
    problems = problems_of(files)
    assert problems[0].startswith("inverted quantities file inv_res_mod.fits: not a readable FITS file")
    assert problems[1].startswith("fitted profiles file inv_res_pre.fits: not a readable FITS file")
