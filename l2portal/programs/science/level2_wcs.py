"""The gWCS of a Level 2 dataset item (a quantity or a line's profiles over all the frames), as the
DKIST data center builds them for its inversion ASDF (DKISTDC/level2 ``NSO/Image/GWCS.hs``), from
the frames' own FITS WCS (level2.py writes them):

* pixel axes in FITS order, the frame axis last: (optical_depth, slit_x, frame_y) for quantities,
  (stokes, wavelength, slit_x, frame_y) for profiles;
* world: log tau (LOGTAU) or Stokes and wavelength (AWAV), each the first frame's (they are the
  same in every frame: checked), then helioprojective longitude and latitude, then time;
* the sky is the dkist package's varying celestial transform, one table row per frame (that
  frame's CRPIX, CRVAL and PC, its CDELT folded into the PC); the frame index is both the raster
  pixel and the row, as the data center's L1 gWCS of a slit spectrograph; time is each frame's
  DATE-AVG. Coupled as the dkist package couples them, so the world-to-pixel inverse exists.

Where the data center takes the sky from the L1 dataset's gWCS, the portal takes it from the
frames: each pixel maps to the same world as in its frame's FITS WCS. The observer is the Earth's
centre at the first frame (sunpy's built-in ephemeris: no IERS table to fetch, publishing works
offline); DKIST's own offset from it changes no world coordinate of a pixel.

Pure: numpy, astropy, gwcs, sunpy and the dkist package's models.
"""

from __future__ import annotations

from collections.abc import Sequence

import astropy.modeling.models as m
import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.modeling import Model
from astropy.time import Time
from dkist.wcs.models import AsymmetricMapping, CoupledCompoundModel, varying_celestial_transform_from_tables
from gwcs import WCS
from gwcs import coordinate_frames as cf
from sunpy.coordinates import Helioprojective, get_earth

from .level2 import RASTER_CTYPE, SLIT_CTYPE


def _column(headers: Sequence[fits.Header], key: str) -> np.ndarray:
    return np.array([header[key] for header in headers], dtype=float)


def _sky(headers: Sequence[fits.Header], slit: int, raster: int) -> Model:
    """(slit pixel, frame) -> (lon, lat): each frame's sky, its raster pixel 0 at its own index."""
    for axis, ctype in ((slit, SLIT_CTYPE), (raster, RASTER_CTYPE)):
        if headers[0][f"CTYPE{axis}"] != ctype:
            raise ValueError(f"axis {axis} of {headers[0]['EXTNAME']} is not {ctype}")
    lon_lat = (raster, slit)
    frames = np.arange(len(headers))
    crpix = np.stack(
        [_column(headers, f"CRPIX{raster}") - 1 + frames, _column(headers, f"CRPIX{slit}") - 1], -1
    )
    crval = np.stack([_column(headers, f"CRVAL{axis}") for axis in lon_lat], -1)
    cdelt = np.array([headers[0][f"CDELT{axis}"] for axis in lon_lat])
    pc = np.empty((len(headers), 2, 2))
    for i, row in enumerate(lon_lat):
        scale = _column(headers, f"CDELT{row}") / cdelt[i]
        for j, col in enumerate(lon_lat):
            pc[:, i, j] = _column(headers, f"PC{row}_{col}") * scale
    units = [u.Unit(headers[0][f"CUNIT{axis}"]) for axis in lon_lat]
    if units[0] != units[1]:
        raise ValueError(f"the sky axes of {headers[0]['EXTNAME']} are in {units[0]} and {units[1]}")
    table = varying_celestial_transform_from_tables(
        crpix_table=crpix * u.pix,
        cdelt=cdelt * units[0] / u.pix,
        pc_table=pc * u.pix,
        crval_table=crval * units[0],
        lon_pole=headers[0]["LONPOLE"] * u.deg,
        slit=0,
    )
    # In: (slit x, frame); the backward mapping keeps the slit pixel, the frame comes from time.
    return AsymmetricMapping(forward_mapping=[1, 0], backward_mapping=[0], forward_n_inputs=2) | table


def _time(times: Time) -> Model:
    return m.Tabular1D(
        points=np.arange(len(times)) * u.pix,
        lookup_table=(times - times[0]).to(u.s),
        method="linear",
        bounds_error=False,
        fill_value=np.nan,
        name="Temporal",
    )


def _linear(headers: Sequence[fits.Header], axis: int) -> tuple[Model, u.UnitBase]:
    """The FITS axis ``axis`` (the same in every frame) as a line in 0-based pixels."""
    keys = [f"{key}{axis}" for key in ("CRPIX", "CRVAL", "CDELT", "CUNIT")]
    first = headers[0]
    differing = [key for key in keys if any(header[key] != first[key] for header in headers)]
    if differing:
        raise ValueError(f"{first['EXTNAME']}: {', '.join(differing)} differ between the frames")
    unit = u.Unit(first[keys[3]]) if first[keys[3]] else u.one
    start = first[keys[1]] + first[keys[2]] * (1 - first[keys[0]])
    return m.Linear1D(slope=first[keys[2]] * unit / u.pix, intercept=start * unit), unit


def _stokes(headers: Sequence[fits.Header], axis: int) -> Model:
    model, _ = _linear(headers, axis)
    pixels = np.arange(headers[0][f"NAXIS{axis}"]) * u.pix
    return m.Tabular1D(
        points=pixels, lookup_table=model(pixels).value * u.one, method="nearest", name="Stokes"
    )


def _pixel_frame(names: Sequence[str]) -> cf.CoordinateFrame:
    n = len(names)
    return cf.CoordinateFrame(
        naxes=n,
        axes_type=["PIXEL"] * n,
        axes_order=tuple(range(n)),
        unit=[u.pix] * n,
        name="pixel",
        axes_names=tuple(names),
    )


def _sky_and_time_frames(primaries: Sequence[fits.Header], first_axis: int):
    times = Time([primary["DATE-AVG"] for primary in primaries], scale="utc")
    helioprojective = Helioprojective(observer=get_earth(times[0]), obstime=times[0])
    frames = [
        cf.CelestialFrame(
            reference_frame=helioprojective,
            axes_order=(first_axis, first_axis + 1),
            unit=(u.arcsec, u.arcsec),
            name="helioprojective",
            axes_names=("helioprojective longitude", "helioprojective latitude"),
            axis_physical_types=("custom:pos.helioprojective.lon", "custom:pos.helioprojective.lat"),
        ),
        cf.TemporalFrame(
            times[0], unit=u.s, axes_order=(first_axis + 2,), name="temporal", axes_names=("time",)
        ),
    ]
    return times, frames


def quantity_gwcs(primaries: Sequence[fits.Header], headers: Sequence[fits.Header]) -> WCS:
    """The gWCS of a quantity from the frames' primary headers and that quantity's HDU headers
    (axes: LOGTAU, slit, raster)."""
    if headers[0]["CTYPE1"] != "LOGTAU":
        raise ValueError(f"axis 1 of {headers[0]['EXTNAME']} is not LOGTAU")
    depth, unit = _linear(headers, 1)
    times, sky_and_time = _sky_and_time_frames(primaries, 1)
    transform = depth & CoupledCompoundModel("&", _sky(headers, 2, 3), _time(times), shared_inputs=1)
    optical_depth = cf.CoordinateFrame(
        naxes=1,
        axes_type=["phys.absorption.opticalDepth"],
        axes_order=(0,),
        unit=[unit],
        name="optical_depth",
        axes_names=("log optical depth",),
        axis_physical_types=["phys.absorption.opticalDepth"],
    )
    world = cf.CompositeFrame([optical_depth, *sky_and_time], name="world")
    return WCS([(_pixel_frame(("optical_depth", "slit_x", "frame_y")), transform), (world, None)])


def profile_gwcs(primaries: Sequence[fits.Header], headers: Sequence[fits.Header]) -> WCS:
    """The gWCS of a line's profiles (axes: STOKES, AWAV, slit, raster)."""
    if (headers[0]["CTYPE1"], headers[0]["CTYPE2"]) != ("STOKES", "AWAV"):
        raise ValueError(f"axes 1 and 2 of {headers[0]['EXTNAME']} are not STOKES and AWAV")
    wavelength, unit = _linear(headers, 2)
    times, sky_and_time = _sky_and_time_frames(primaries, 2)
    transform = (
        _stokes(headers, 1)
        & wavelength
        & CoupledCompoundModel("&", _sky(headers, 3, 4), _time(times), shared_inputs=1)
    )
    frames = [
        cf.StokesFrame(axes_order=(0,), name="polarization state"),
        cf.SpectralFrame(axes_order=(1,), unit=(unit,), axes_names=("wavelength",), name="wavelength"),
        *sky_and_time,
    ]
    world = cf.CompositeFrame(frames, name="world")
    return WCS([(_pixel_frame(("stokes", "wavelength", "slit_x", "frame_y")), transform), (world, None)])
