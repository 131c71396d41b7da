"""A published inversion loaded as the field loads it: with the DKIST user tools (``dkist``), then
checked against its FITS frames (units, shapes, data, world coordinates)."""

from pathlib import Path

import astropy.units as u
import dkist
import numpy as np
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS
from dkist.dataset.inversion import Profiles

from l2portal.programs.science.dataset_asdf import snake
from l2portal.programs.science.quantities import PROFILE_LINES, QUANTITIES

LINES = {line.name: line.key for line in PROFILE_LINES.values()}
DEGREE_TOLERANCE = 1e-6


def _world_matches(item, headers, primaries, first_own_axes: int) -> None:
    """Every pixel of the item maps to the world its frame's FITS WCS gives it: the frame's own
    axes (LOGTAU, or STOKES and AWAV) and the sky to 1e-6 deg; time is the frame's DATE-AVG."""
    gwcs = item.wcs.low_level_wcs
    shape = item.data.shape  # numpy order: frame, slit, then the frame's own axes
    if len(headers) == 1:  # dkist drops the frame axis of a one-frame dataset
        shape = (1, *shape)
    own = np.meshgrid(*(np.arange(n) for n in shape[:1:-1]), np.arange(shape[1]), indexing="ij")
    for y, (header, primary) in enumerate(zip(headers, primaries, strict=True)):
        fits_wcs = WCS(header)
        theirs = fits_wcs.pixel_to_world_values(*own, np.zeros_like(own[0]))
        frame = [np.full_like(own[0], y)] if len(headers) > 1 else []
        mine = gwcs.pixel_to_world_values(*own, *frame)
        for index in range(first_own_axes):
            value = u.Quantity(theirs[index], fits_wcs.world_axis_units[index] or u.one)
            unit = gwcs.world_axis_units[index] or u.one
            np.testing.assert_allclose(mine[index], value.to_value(unit), rtol=1e-12, atol=1e-12)
        lat, lon = theirs[first_own_axes], theirs[first_own_axes + 1]  # FITS: slit (HPLT), raster (HPLN)
        sky = [(mine[first_own_axes + i] * u.arcsec).to_value(u.deg) for i in (0, 1)]
        # Longitudes on the circle: the gWCS gives [0, 360), wcslib (-180, 180].
        assert np.max(np.abs((sky[0] - lon + 180) % 360 - 180)) < DEGREE_TOLERANCE
        assert np.max(np.abs(sky[1] - lat)) < DEGREE_TOLERANCE
        if len(headers) > 1:  # one frame: the gWCS taken at it has no time axis left
            seconds = mine[first_own_axes + 2]
            expected = (Time(primary["DATE-AVG"]) - Time(primaries[0]["DATE-AVG"])).to_value(u.s)
            np.testing.assert_allclose(seconds, expected, atol=1e-3)


def _matches_frames(item, frames: list[Path], target: int) -> tuple[list[fits.Header], np.ndarray]:
    with_data = [fits.getdata(frame, target, header=True) for frame in frames]
    headers = [header for _, header in with_data]
    stacked = np.concatenate([data for data, _ in with_data])  # each frame is (1, ...)
    if len(frames) == 1:  # dkist drops the frame axis of a one-frame dataset
        stacked = stacked[0]
    bunit = headers[0]["BUNIT"]
    assert item.unit == (u.Unit(bunit, format="fits") if bunit else u.dimensionless_unscaled)
    assert item.data.shape == stacked.shape and item.files.filenames == [f.name for f in frames]
    np.testing.assert_array_equal(np.asarray(item.data), stacked)  # read through the file manager
    return headers, stacked


def assert_dkist_loads(asdf_path: Path, frames: list[Path]) -> dkist.Inversion:
    """``asdf_path`` (next to ``frames``, in frame order) loads with ``dkist.load_dataset`` as an
    inversion of the eleven quantities and each line's original and fitted profiles, equal to the
    frames."""
    inversion = dkist.load_dataset(asdf_path)
    assert isinstance(inversion, dkist.Inversion) and isinstance(inversion.profiles, Profiles)
    assert sorted(inversion) == sorted(snake(q.key) for q in QUANTITIES)
    primaries = [fits.getheader(frame, 0) for frame in frames]
    assert list(inversion.meta["headers"]["FILENAME"]) == [f.name for f in frames]
    for target, quantity in enumerate(QUANTITIES, start=1):
        item = inversion[snake(quantity.key)]
        headers, _ = _matches_frames(item, frames, target)
        assert headers[0]["EXTNAME"] == quantity.extname
        assert item.meta["inventory"] == inversion.meta["inventory"]
        _world_matches(item, headers, primaries, 1)
    with fits.open(frames[0]) as hdus:
        extnames = [hdu.header["EXTNAME"] for hdu in hdus[len(QUANTITIES) + 1 :]]
    expected = {}
    for target, extname in enumerate(extnames, start=len(QUANTITIES) + 1):
        kind, _, line = extname.partition(" Profile ")
        expected[f"{LINES[line]}_{'fit' if kind == 'Fit' else 'orig'}"] = target
    assert sorted(inversion.profiles) == sorted(expected)
    for key, target in expected.items():
        item = inversion.profiles[key]
        headers, _ = _matches_frames(item, frames, target)
        _world_matches(item, headers, primaries, 2)
    return inversion
