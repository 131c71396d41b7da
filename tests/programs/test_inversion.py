import numpy as np
import pytest
from astropy.io import fits

from l2portal.programs import synthetic
from l2portal.programs.inversion import (
    InversionFileError,
    InversionFiles,
    level2_frame_name,
    validate_inversion_files,
    write_level2_frame,
)

PROGRAM = "eid_1_118_op00001"


@pytest.fixture
def files(tmp_path):
    return synthetic.write_inversion_files(tmp_path, PROGRAM, n_frames=3, n_slit=5, n_depth=6)


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


def test_good_files_are_accepted(files):
    summary = validate_inversion_files(files, program_id=PROGRAM)
    assert (summary.n_frames, summary.n_slit, summary.n_depth, summary.n_wavelengths) == (3, 5, 6, 16)
    assert summary.lines == ("Fe I 630", "Ca II 854")


def test_wrong_number_of_quantities_is_rejected(files):
    rewrite_primary(files.quantities, np.zeros((10, 6, 3, 5), dtype=np.float32))
    [problem] = problems_of(files)
    assert problem.startswith("inverted quantities file inv_res_mod.fits: first axis must have 11 entries")


def test_wrong_dimensionality_is_rejected(files):
    rewrite_primary(files.fit_profiles, np.zeros((4, 16, 5), dtype=np.float32))
    [problem] = problems_of(files)
    assert "fitted profiles file inv_res_pre.fits: primary data must be 4-D" in problem


def test_inconsistent_frames_between_files_are_rejected(files):
    rewrite_primary(files.original_profiles, np.zeros((4, 16, 2, 5), dtype=np.float32))
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


def test_unknown_line_ids_are_rejected(tmp_path):
    files = synthetic.write_inversion_files(tmp_path, PROGRAM, line_ids=(23, 99))
    problems = problems_of(files)
    assert any("unknown line ids [99]" in p for p in problems)


def test_missing_keyword_and_other_program_are_rejected(files):
    rewrite_primary(files.quantities, drop=("OBSPR_ID",))
    rewrite_primary(files.fit_profiles, OBSPR_ID="another_op")
    problems = problems_of(files, program_id=PROGRAM)
    assert problems == [
        "inverted quantities file inv_res_mod.fits: primary header lacks required keyword OBSPR_ID",
        f"fitted profiles file inv_res_pre.fits: OBSPR_ID is 'another_op', expected {PROGRAM!r}",
    ]
    assert validate_inversion_files(files, required_keywords=()).n_frames == 3


def test_unreadable_and_missing_files_are_named(files, tmp_path):
    files.original_profiles.write_bytes(b"this is not FITS at all" * 200)
    broken = InversionFiles(files.quantities, tmp_path / "absent.fits", files.original_profiles)
    problems = problems_of(broken)
    assert problems[0].startswith("fitted profiles file absent.fits: not a readable FITS file")
    assert problems[1].startswith("original profiles file per_ori.fits: not a readable FITS file")
    assert "inversion results rejected" in str(InversionFileError(problems))


def test_level2_frame_carries_provenance_and_data(files, tmp_path):
    out = tmp_path / level2_frame_name(PROGRAM, 1)
    write_level2_frame(
        out, files, 1, program_id=PROGRAM, dataset_ids=["AAAAAA", "AAAAAB"], software_commit="0123abc"
    )
    with (
        fits.open(out) as written,
        fits.open(files.quantities) as source,
        fits.open(files.fit_profiles) as fit,
    ):
        header = written[0].header
        assert (header["OBSPR_ID"], header["DSETIDS"], header["SWCOMMIT"]) == (
            PROGRAM,
            "AAAAAA,AAAAAB",
            "0123abc",
        )
        assert (header["FRAMEIDX"], header["NFRAMES"], header["NDSETS"]) == (1, 3, 2)
        temperature = written["Temperature"]
        assert temperature.header["BUNIT"] == "K"
        np.testing.assert_allclose(temperature.data, source[0].data[1, :, 1, :])
        velocity = written["Line-of-sight Velocity"].data
        np.testing.assert_allclose(velocity, source[0].data[5, :, 1, :] * 1e-5, rtol=1e-6)
        np.testing.assert_allclose(written["Fit Profiles"].data, fit[0].data[:, :, 1, :])
        assert list(written["Line Ids"].data[:2]) == [23, 23]


def test_long_dataset_lists_survive_and_bad_frame_index_fails(files, tmp_path):
    dataset_ids = [f"DS{n:04d}" for n in range(40)]
    out = tmp_path / "frame.fits"
    write_level2_frame(out, files, 0, program_id=PROGRAM, dataset_ids=dataset_ids, software_commit="c")
    assert fits.getheader(out)["DSETIDS"].split(",") == dataset_ids
    with pytest.raises(IndexError, match="frame 3 out of range"):
        write_level2_frame(out, files, 3, program_id=PROGRAM, dataset_ids=[], software_commit="c")
