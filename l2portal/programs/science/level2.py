"""Level 2 frames as the DKIST data center writes them (DKISTDC/level2 ``NSO/Image/Fits/*.hs``,
``NSO/Image/Headers*.hs``, ``NSO/Image/Primary.hs``, ``App/Worker/Generate/Fits.hs``).

One FITS file per inversion frame y, named after the inversion and its L1 frame's DATE-BEG:

* primary HDU, no data: the observation, telescope, data center, DKIST operations and adaptive
  optics keywords, copied from the frame's canonical L1 header (a missing one is an error naming
  it), with the data center's own: DSETID (the inversion id), FILE_ID, FRAMEVOL, FILENAME, ...;
* HDUs 1-11, one per quantity (quantities.QUANTITIES order), each (dummy y=1, slit x, depth) in
  the published unit: EXTNAME, BTYPE, BUNIT, DATAMIN/DATAMAX of the data as written, and a WCS of
  LOGTAU depth, the L1 slit axis (HPLT-TAN, scaled by the inversion's binning) and the L1 raster
  axis (HPLN-TAN, one pixel), with its equatorial alternate A;
* then per spectral line, the original and the fitted profile, each (y=1, slit x, wavelength,
  stokes) with an AWAV axis centred on the line.

Where the data center's code is inexact the frames follow the physics instead, and say so here:
DATAMIN/DATAMAX describe the converted data; a binned slit's CRPIX is the centre of its bin and
the PC cross terms are rescaled with its CDELT (so each pixel maps to the same sky as in L1); the
PC matrix is kept when a cross term is zero (WCSVALID is true); WCSAXES counts the HDU's own axes
(4 for profiles).

Pure: numpy and astropy; frames are converted whole-array at a time.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from astropy.io import fits

from .inversion import InversionFiles
from .quantities import MILLIANGSTROM_PER_NM, PROFILE_LINES, QUANTITIES

HEAD_URL = "https://docs.dkist.nso.edu/projects/data-products/en/"
INFO_URL = "https://docs.dkist.nso.edu"
SLIT_CTYPE, RASTER_CTYPE = "HPLT-TAN", "HPLN-TAN"
ALTERNATES = ("", "A")
PROFILE_BTYPE = "spect.line.profile"

OBSERVATION = ("INSTRUME", "OBJECT", "TELAPSE", "DATE-BEG", "DATE-END", "DATE-AVG")
TELESCOPE = (
    "TAZIMUTH",
    "ELEV_ANG",
    "TELTRACK",
    "TELSCAN?",
    "TTBLTRCK",
    "TTBLANGL",
    "DATEREF",
    "ROTCOMP?",
    "OBS_VR",
)
OBSGEO = ("OBSGEO-X", "OBSGEO-Y", "OBSGEO-Z")
DATACENTER_L1 = (
    "DKISTVER",
    "OBSPR_ID",
    "EXPER_ID",
    "PROP_ID",
    "DSP_ID",
    "IP_ID",
    "HLSVERS",
    "NPROPOS",
    "NEXPERS",
)
DKIST_OPERATIONS = ("OCS_CTRL", "FIDO_CFG", "DSHEALTH", "LIGHTLVL")
ADAPTIVE_OPTICS = ("ATMOS_R0", "AO_LOCK")


class Level2Error(ValueError):
    """The inputs cannot make a Level 2 frame; the message names the file and what is missing."""


@dataclass(frozen=True)
class FrameGeometry:
    """What the frames' WCS needs from the inversion besides the L1 header."""

    pixels_per_bin: int
    log_tau_start: float
    log_tau_step: float


@dataclass(frozen=True)
class ProfileArm:
    line_id: int
    start: int  # first wavelength index in the profiles
    stop: int
    offsets_ma: np.ndarray

    @property
    def name(self) -> str:
        return PROFILE_LINES[self.line_id].name


def profile_arms(line_ids: Sequence[int], offsets_ma: np.ndarray) -> list[ProfileArm]:
    """The profiles split into one run of wavelengths per line (validated: one run per line)."""
    arms, start = [], 0
    for index in range(1, len(line_ids) + 1):
        if index == len(line_ids) or line_ids[index] != line_ids[start]:
            arms.append(
                ProfileArm(int(line_ids[start]), start, index, np.asarray(offsets_ma[start:index], float))
            )
            start = index
    return arms


def frame_file_name(inversion_id: str, date_beg: str) -> str:
    """``<INVERSION ID>_<DATE-BEG>_L2.fits`` upper-cased, '.', ':' and '-' as '_', the time as
    ISO 8601 without trailing zeros in its fraction (the data center's ``fitsFrameFilename``)."""
    moment = datetime.fromisoformat(date_beg.removesuffix("Z"))
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    name = f"{inversion_id}_{text}_L2".upper()
    return name.translate(str.maketrans(".:-", "___")) + ".fits"


def asdf_file_name(inversion_id: str) -> str:
    """The inversion's dataset file (the data center's ``filenameL2Asdf``)."""
    return inversion_id.upper().replace(".", "_") + "_L2_metadata.asdf"


def _put(out: fits.Header, key: str, value, comment: str = "") -> None:
    # At the bottom: astropy would otherwise slip keywords above the section comments.
    out.append(fits.Card(key, value, comment), bottom=True)


def _copy(l1: fits.Header, keys: Sequence[str], out: fits.Header, source: str) -> None:
    for key in keys:
        optional = key.endswith("?")
        key = key.rstrip("?")
        if key in l1:
            _put(out, key, l1[key], l1.comments[key])
        elif not optional:
            raise Level2Error(f"{source}: the L1 header lacks {key}, which the Level 2 primary header copies")


def _section(out: fits.Header, title: str) -> None:
    out.append(fits.Card("", ""), bottom=True)
    out.append(fits.Card("COMMENT", f" {title} ".center(70, "-")), bottom=True)


def primary_header(
    l1: fits.Header, *, inversion_id: str, file_name: str, header_version: str, source: str
) -> fits.Header:
    """The primary header of a Level 2 frame from its canonical L1 frame's header."""
    out = fits.Header()
    _section(out, "Observation")
    _put(out, "ORIGIN", "National Solar Observatory")
    _put(out, "TELESCOP", "Daniel K. Inouye Solar Telescope")
    _put(out, "OBSRVTRY", "Haleakala High Altitude Observatory Site")
    _put(out, "NETWORK", "NSF-DKIST")
    _copy(l1, OBSERVATION, out, source)
    _put(out, "TIMESYS", "UTC", "Time scale of the time related keywords")
    _put(out, "SOLARNET", 1.0, "SOLARNET compliance: fully compliant")
    _section(out, "Telescope")
    _copy(l1, TELESCOPE + OBSGEO, out, source)
    _section(out, "Datacenter")
    _put(out, "DSETID", inversion_id, "Unique ID of the dataset of the frame")
    _put(
        out, "FILE_ID", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{inversion_id}/{file_name}")), "ID of this file"
    )
    _put(out, "FRAMEVOL", 0.0, "[Mb] Size of the frame on disk")
    _put(out, "PROCTYPE", "L2", "Degree of processing")
    _put(out, "FILENAME", file_name, "Name of current file")
    _put(out, "LEVEL", 2, "The level of the current data")
    _put(out, "HEADVERS", header_version, "Version of this spec used")
    _put(out, "HEAD_URL", HEAD_URL + header_version)
    _put(out, "INFO_URL", INFO_URL)
    _copy(l1, DATACENTER_L1, out, source)
    _copy(l1, [key for key in l1 if key.startswith(("PROPID", "EXPRID"))], out, source)
    _section(out, "DKIST Operations")
    _copy(l1, DKIST_OPERATIONS, out, source)
    _section(out, "Adaptive Optics")
    _copy(l1, ADAPTIVE_OPTICS, out, source)
    return out


def _axis_number(l1: fits.Header, ctype: str, source: str) -> int:
    for key, value in l1.items():
        if key.startswith("CTYPE") and key[5:].isdigit() and value == ctype:
            return int(key[5:])
    raise Level2Error(f"{source}: the L1 header has no {ctype} axis (CTYPEn = '{ctype}')")


def _l1_value(l1: fits.Header, key: str, source: str):
    if key not in l1:
        raise Level2Error(f"{source}: the L1 header lacks {key}, which the Level 2 WCS derives from")
    return l1[key]


@dataclass(frozen=True)
class _Axis:
    ctype: str
    cunit: str
    crpix: float
    crval: float
    cdelt: float


def _spatial_axes(l1: fits.Header, geometry: FrameGeometry, alt: str, source: str):
    """The slit (x) and raster (y) axes of the L2 frame from the L1 ones, and the L1 PC block."""
    x, y = _axis_number(l1, SLIT_CTYPE, source), _axis_number(l1, RASTER_CTYPE, source)

    def axis(number: int) -> _Axis:
        return _Axis(
            *(
                _l1_value(l1, f"{k}{number}{alt}", source)
                for k in ("CTYPE", "CUNIT", "CRPIX", "CRVAL", "CDELT")
            )
        )

    slit, raster = axis(x), axis(y)
    n = geometry.pixels_per_bin
    # Bins of n pixels: L1 pixel p is at bin (p + (n - 1) / 2) / n, each bin n pixels wide. With
    # CDELT scaled by n, the cross terms are rescaled so the raster axis keeps its own step.
    binned = _Axis(slit.ctype, slit.cunit, (slit.crpix + (n - 1) / 2) / n, slit.crval, slit.cdelt * n)
    pc = {
        (a, b): float(_l1_value(l1, f"PC{i}_{j}{alt}", source))
        for a, i in (("x", x), ("y", y))
        for b, j in (("x", x), ("y", y))
    }
    pc[("x", "y")] /= n
    pc[("y", "x")] *= n
    return binned, raster, pc


def _wcs(
    l1: fits.Header, geometry: FrameGeometry, own: Sequence[dict[str, _Axis]], source: str
) -> fits.Header:
    """WCS cards of an HDU whose first axes are ``own`` (per alternate), then slit x, then raster y."""
    n_axes = len(own[0]) + 2
    out = fits.Header()
    # WCSAXES and WCSAXESA come before every other WCS keyword, as the standard asks.
    _put(out, "WCSAXES", n_axes, "Number of axes of the main WCS")
    _put(out, "WCSAXESA", n_axes, "Number of axes of WCS A")
    for alt in ALTERNATES:
        slit, raster, pc = _spatial_axes(l1, geometry, alt, source)
        if alt == "":
            _put(out, "WCSVALID", True, "WCI data are correct")
            _put(out, "WCSNAME", "Helioprojective Cartesian")
            _put(out, "LONPOLE", float(_l1_value(l1, "LONPOLE", source)), "[deg]")
        else:
            _put(out, "WCSNAMEA", "Equatorial equinox J2000")
            _put(out, "LONPOLEA", float(_l1_value(l1, "LONPOLEA", source)), "[deg]")
        axes = [*own[0 if alt == "" else 1].values(), slit, raster]
        for number, axis in enumerate(axes, start=1):
            _put(out, f"CTYPE{number}{alt}", axis.ctype)
            _put(out, f"CUNIT{number}{alt}", axis.cunit)
            _put(out, f"CRPIX{number}{alt}", round(float(axis.crpix), 9))
            _put(out, f"CRVAL{number}{alt}", float(axis.crval))
            _put(out, f"CDELT{number}{alt}", float(axis.cdelt))
        spatial = {n_axes - 1: "x", n_axes: "y"}
        for i in range(1, n_axes + 1):
            for j in range(1, n_axes + 1):
                if i in spatial and j in spatial:
                    value = pc[(spatial[i], spatial[j])]
                else:
                    value = 1.0 if i == j else 0.0
                _put(out, f"PC{i}_{j}{alt}", value)
    return out


def _depth_axis(geometry: FrameGeometry) -> _Axis:
    # Pixel where log tau is 0, as the data center states its depth axis.
    step = geometry.log_tau_step or -0.1
    return _Axis("LOGTAU", "", 1.0 - geometry.log_tau_start / step, 0.0, step)


def _template(wcs: fits.Header, now: str) -> fits.Header:
    """The header of a data HDU but its name, type, unit and range: one per WCS, copied per HDU."""
    header = fits.Header()
    for key, value, comment in (
        ("EXTNAME", "", ""),
        ("BTYPE", "", "[ucd]"),
        ("BUNIT", "", "The unit of the values in the data array"),
        ("BZERO", 0, ""),
        ("BSCALE", 1, ""),
        ("DATE", now, "UTC date the file was written"),
        ("DATAMAX", 0.0, ""),
        ("DATAMIN", 0.0, ""),
    ):
        _put(header, key, value, comment)
    header.extend(wcs)
    return header


def _data_hdu(data: np.ndarray, template: fits.Header, extname: str, btype: str, unit: str) -> fits.ImageHDU:
    hdu = fits.ImageHDU(data, header=template)  # astropy copies the template
    header = hdu.header
    header["EXTNAME"], header["BTYPE"], header["BUNIT"] = extname, btype, unit
    header["DATAMAX"], header["DATAMIN"] = float(np.max(data)), float(np.min(data))
    return hdu


def quantity_hdus(
    cube: np.ndarray, l1: fits.Header, geometry: FrameGeometry, now: str, source: str
) -> list[fits.ImageHDU]:
    """One HDU per quantity from ``cube`` (quantity, depth, slit x) in the inversion's units."""
    depth = _depth_axis(geometry)
    template = _template(_wcs(l1, geometry, [{"depth": depth}, {"depth": depth}], source), now)
    hdus = []
    for quantity, values in zip(QUANTITIES, cube, strict=True):
        published = quantity.convert(values.T)[None]  # (y=1, slit x, depth)
        hdus.append(_data_hdu(published, template, quantity.extname, quantity.btype, quantity.unit))
    return hdus


def profile_hdus(
    fitted: np.ndarray,
    original: np.ndarray,
    arms: Sequence[ProfileArm],
    l1: fits.Header,
    geometry: FrameGeometry,
    now: str,
    source: str,
) -> list[fits.ImageHDU]:
    """Original then fitted profile of each arm from (stokes, wavelength, slit x) cubes."""
    hdus = []
    for arm in arms:
        step_ma = float(np.mean(np.diff(arm.offsets_ma))) if arm.offsets_ma.size > 1 else 1.0
        wavelength = _Axis(
            "AWAV",
            "nm",
            1.0 - float(arm.offsets_ma[0]) / step_ma,
            PROFILE_LINES[arm.line_id].wavelength_nm,
            step_ma / MILLIANGSTROM_PER_NM,
        )
        stokes = _Axis("STOKES", "", 1.0, 1.0, 1.0)
        own = {"stokes": stokes, "wavelength": wavelength}
        template = _template(_wcs(l1, geometry, [own, own], source), now)
        for kind, cube in (("Original", original), ("Fit", fitted)):
            data = np.ascontiguousarray(np.transpose(cube[:, arm.start : arm.stop, :], (2, 1, 0)))[None]
            hdus.append(
                _data_hdu(data.astype(np.float32), template, f"{kind} Profile {arm.name}", PROFILE_BTYPE, "")
            )
    return hdus


def write_level2_frame(
    path: str | os.PathLike,
    files: InversionFiles,
    frame_index: int,
    l1_path: Path,
    l1: fits.Header,
    *,
    inversion_id: str,
    geometry: FrameGeometry,
    header_version: str,
    created: datetime | None = None,
) -> None:
    """Write the Level 2 frame of inversion frame ``frame_index`` to ``path`` (a temporary path of
    ``atomic_output``), its headers from its canonical L1 frame ``l1`` (read from ``l1_path``)."""
    source = l1_path.name
    now = (created or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    file_name = frame_file_name(inversion_id, str(_l1_value(l1, "DATE-BEG", source)))
    header = primary_header(
        l1, inversion_id=inversion_id, file_name=file_name, header_version=header_version, source=source
    )
    with (
        fits.open(files.quantities, memmap=True) as quantities,
        fits.open(files.fit_profiles, memmap=True) as fitted,
        fits.open(files.original_profiles, memmap=True) as original,
    ):
        n_frames = quantities[0].shape[2]
        if not 0 <= frame_index < n_frames:
            raise IndexError(f"frame {frame_index} out of range: the inversion has {n_frames} frames")
        arms = profile_arms([int(i) for i in fitted[2].data], np.asarray(fitted[1].data))
        hdus = [
            fits.PrimaryHDU(header=header),
            *quantity_hdus(np.asarray(quantities[0].data[:, :, frame_index, :]), l1, geometry, now, source),
            *profile_hdus(
                np.asarray(fitted[0].data[:, :, frame_index, :]),
                np.asarray(original[0].data[:, :, frame_index, :]),
                arms,
                l1,
                geometry,
                now,
                source,
            ),
        ]
    frame = fits.HDUList(hdus)
    # FRAMEVOL is the size on disk: the frame is rendered once, then its primary header (no data,
    # same length) is rendered again with the size and its checksum, and both are written.
    rendered = io.BytesIO()
    # Built card by card from checked values (and fitsverify-clean in the tests): astropy's own
    # verification of every card would cost more than writing them.
    frame.writeto(rendered, checksum=True, output_verify="ignore")
    body = rendered.getbuffer()
    frame[0].header["FRAMEVOL"] = round(len(body) / 1e6, 6)
    primary = io.BytesIO()
    fits.HDUList([frame[0]]).writeto(primary, checksum=True, output_verify="ignore")
    head = primary.getvalue()
    if bytes(body[len(head) : len(head) + 8]) != b"XTENSION":  # a card value never changes length
        raise Level2Error(f"{file_name}: its primary header changed length when FRAMEVOL was set")
    with open(path, "wb") as out:
        out.write(head)
        out.write(body[len(head) :])
