"""Level 2 frames as the data center writes them: each quantity in its published unit, frame by
frame from a known inversion output, headers derived from the frame's L1 header, fitsverify-clean."""

import shutil
import subprocess

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from l2portal.programs.science.level1 import frame_header
from l2portal.programs.science.level2 import (
    Level2Error,
    asdf_file_name,
    frame_file_name,
    write_level2_frame,
)
from l2portal.programs.science.quantities import QUANTITIES, QUANTITY_INDEX

INVERSION = "inv.ABC123"


def write_frames(inputs, folder, **changes):
    """The Level 2 frames of ``inputs``, after setting cube values ``changes`` (key -> (slice, value))."""
    if changes:
        with fits.open(inputs.files.quantities) as hdus:
            cube = hdus[0].data.copy()
            header = hdus[0].header
        for key, (where, value) in changes.items():
            cube[(QUANTITY_INDEX[key], slice(None), *where)] = value
        fits.PrimaryHDU(cube, header=header).writeto(inputs.files.quantities, overwrite=True)
    folder.mkdir(exist_ok=True)
    frames = []
    for index, l1_path in enumerate(inputs.canonical.paths):
        l1 = frame_header(l1_path)
        path = folder / frame_file_name(INVERSION, l1["DATE-BEG"])
        write_level2_frame(
            path,
            inputs.files,
            index,
            l1_path,
            l1,
            inversion_id=INVERSION,
            geometry=inputs.geometry,
            header_version="L2.test",
        )
        frames.append(path)
    return frames


def test_file_names_follow_the_data_center():
    assert (
        frame_file_name("inv.UR5P96", "2023-10-16T23:55:59.513")
        == "INV_UR5P96_2023_10_16T23_55_59_513_L2.fits"
    )
    assert (
        frame_file_name("inv.UR5P96", "2022-06-02T17:20:00.000") == "INV_UR5P96_2022_06_02T17_20_00_L2.fits"
    )
    assert (
        frame_file_name("inv.UR5P96", "2022-06-02T17:20:00.500") == "INV_UR5P96_2022_06_02T17_20_00_5_L2.fits"
    )
    assert asdf_file_name("inv.UR5P96") == "INV_UR5P96_L2_metadata.asdf"


def test_quantities_are_published_in_their_units_frame_by_frame(l2_inputs, tmp_path):
    frames = write_frames(
        l2_inputs,
        tmp_path / "l2",
        magStrength=((1, 2), 1500.0),  # gauss
        magInclination=((0, 0), -30.0),  # degrees
        magAzimuth=((2, 4), 725.0),
        velocity=((1, 0), -250000.0),  # cm/s
    )
    with fits.open(l2_inputs.files.quantities) as hdus:
        cube = hdus[0].data.copy()
    assert len(frames) == 3
    for y, frame in enumerate(frames):
        with fits.open(frame) as hdus:
            for index, quantity in enumerate(QUANTITIES, start=1):
                hdu = hdus[index]
                assert (hdu.header["EXTNAME"], hdu.header["BUNIT"], hdu.header["BTYPE"]) == (
                    quantity.extname,
                    quantity.unit,
                    quantity.btype,
                )
                expected = quantity.convert(cube[index - 1, :, y, :].T)[None]  # (y=1, slit, depth)
                assert hdu.data.shape == (1, 5, 13)
                np.testing.assert_allclose(hdu.data, expected, rtol=1e-6)
                assert hdu.header["DATAMIN"] == pytest.approx(float(hdu.data.min()), rel=1e-12)
                assert hdu.header["DATAMAX"] == pytest.approx(float(hdu.data.max()), rel=1e-12)
            strength, inclination = hdus["Magnetic Field Strength"].data, hdus[7].data
            azimuth, velocity = hdus[8].data, hdus["Line-of-sight Velocity"].data
            assert u.Unit(hdus[5].header["BUNIT"], format="fits") == u.T
            assert (
                inclination.min() >= 0.0
                and inclination.max() < 360.0
                and azimuth.min() >= 0.0
                and azimuth.max() < 360.0
            )
            assert (hdus["Temperature"].data > 0).all()
            gas = hdus["Gas Pressure"].data[0]  # (slit, depth): depth runs upward, log tau 1.2 down
            assert (np.diff(gas, axis=1) < 0).all() and (
                np.diff(hdus["Geometric Height above solar surface (tau ~ 1 at 500nm)"].data[0], axis=1) > 0
            ).all()
        if y == 1:
            np.testing.assert_allclose(strength[0, 2], 0.15, rtol=1e-6)
            np.testing.assert_allclose(velocity[0, 0], -2.5, rtol=1e-6)
        if y == 0:
            np.testing.assert_allclose(inclination[0, 0], 330.0)
        if y == 2:
            np.testing.assert_allclose(azimuth[0, 4], 5.0, atol=1e-4)


@pytest.mark.filterwarnings("ignore::astropy.wcs.FITSFixedWarning")  # astropy notes DATEREF, OBSGEO
def test_headers_come_from_the_frames_l1_header(l2_inputs, tmp_path):
    frames = write_frames(l2_inputs, tmp_path / "l2")
    for frame, l1_path in zip(frames, l2_inputs.canonical.paths, strict=True):
        l1 = frame_header(l1_path)
        with fits.open(frame) as hdus:
            primary = hdus[0].header
            for key in (
                "DATE-BEG",
                "DATE-END",
                "DATE-AVG",
                "TELAPSE",
                "OBJECT",
                "INSTRUME",
                "OBSPR_ID",
                "PROP_ID",
                "EXPER_ID",
                "IP_ID",
                "DSP_ID",
                "DKISTVER",
                "HLSVERS",
                "OBSGEO-X",
                "ATMOS_R0",
                "AO_LOCK",
                "TELTRACK",
                "TELSCAN",
                "PROPID01",
                "LIGHTLVL",
                "DSHEALTH",
                "OBS_VR",
            ):
                assert primary[key] == l1[key], key
            assert (primary["DSETID"], primary["FILENAME"], primary["PROCTYPE"], primary["LEVEL"]) == (
                INVERSION,
                frame.name,
                "L2",
                2,
            )
            assert primary["FRAMEVOL"] == pytest.approx(frame.stat().st_size / 1e6)
            assert primary["HEAD_URL"].endswith("/L2.test") and hdus.info(output=False)[0][1] == "PRIMARY"
            wcs = hdus["Temperature"].header
            assert (
                wcs["CTYPE1"] == "LOGTAU"
                and wcs["CRPIX1"] == pytest.approx(13.0)
                and wcs["CDELT1"] == pytest.approx(-0.1)
            )
            assert (wcs["CTYPE2"], wcs["CTYPE3"]) == ("HPLT-TAN", "HPLN-TAN")
            assert wcs["CDELT2"] == pytest.approx(l1["CDELT1"] * 4) and wcs["CRPIX2"] == pytest.approx(3.0)
            assert (
                wcs["CRVAL3"] == l1["CRVAL3"]
                and wcs["PC2_3"] == pytest.approx(l1["PC1_3"] / 4)
                and wcs["CTYPE2A"] == l1["CTYPE1A"]
            )
            # Values: with sunpy loaded (the dkist tests load it) pixel_to_world pairs the sky axes.
            depth, slit, _ = WCS(hdus["Temperature"].header).pixel_to_world_values(12, 2, 0)
            assert depth == pytest.approx(0.0, abs=1e-9)  # log tau 0 at the 13th depth
            assert (slit * u.deg).to_value(u.arcsec) == pytest.approx(l1["CRVAL1"], abs=1e-6)
            # A slit bin sees the sky its four L1 pixels see: its centre, at L1 pixel 4 b + 1.5.
            binned = WCS(hdus["Temperature"].header).celestial.all_pix2world([[b, 0] for b in range(5)], 0)
            pixels = WCS(l1).celestial.all_pix2world([[4 * b + 1.5, 0] for b in range(5)], 0)
            np.testing.assert_allclose(binned, pixels, atol=1e-9)  # degrees


def test_profiles_per_line_original_then_fitted(l2_inputs, tmp_path):
    [frame, *_] = write_frames(l2_inputs, tmp_path / "l2")
    with fits.open(frame) as hdus, fits.open(l2_inputs.files.fit_profiles) as fitted:
        names = [hdu.header["EXTNAME"] for hdu in hdus[12:]]
        assert names == [
            "Original Profile Fe I 630",
            "Fit Profile Fe I 630",
            "Original Profile Ca II 854",
            "Fit Profile Ca II 854",
        ]
        fit = hdus["Fit Profile Ca II 854"]
        assert fit.data.shape == (1, 5, 16, 4) and fit.header["BTYPE"] == "spect.line.profile"
        np.testing.assert_array_equal(fit.data[0], np.transpose(fitted[0].data[:, 16:, 0, :], (2, 1, 0)))
        assert (fit.header["CTYPE1"], fit.header["CTYPE2"], fit.header["CUNIT2"]) == ("STOKES", "AWAV", "nm")
        centre = WCS(fit.header).pixel_to_world(0, fit.header["CRPIX2"] - 1, 0, 0)[1]
        assert centre.to_value(u.nm) == pytest.approx(854.2)


@pytest.mark.skipif(shutil.which("fitsverify") is None, reason="needs HEASARC fitsverify")
def test_every_frame_is_fitsverify_clean(l2_inputs, tmp_path):
    for frame in write_frames(l2_inputs, tmp_path / "l2"):
        done = subprocess.run(["fitsverify", "-q", str(frame)], capture_output=True, text=True)
        assert done.stdout.startswith("verification OK"), done.stdout + done.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [("ATMOS_R0", "the L1 header lacks ATMOS_R0"), ("CTYPE3", "the L1 header has no HPLN-TAN axis")],
)
def test_a_missing_l1_keyword_is_named(l2_inputs, tmp_path, missing, message):
    l1_path = l2_inputs.canonical.paths[0]
    l1 = frame_header(l1_path)
    del l1[missing]
    with pytest.raises(Level2Error, match=f"{l1_path.name}: {message}"):
        write_level2_frame(
            tmp_path / "x.fits",
            l2_inputs.files,
            0,
            l1_path,
            l1,
            inversion_id=INVERSION,
            geometry=l2_inputs.geometry,
            header_version="L2.test",
        )
    assert not (tmp_path / "x.fits").exists()
