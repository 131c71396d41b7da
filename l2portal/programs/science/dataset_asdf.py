"""The ASDF file describing a published inversion: the tree the DKIST data center writes for a
Level 2 inversion (DKISTDC/level2 ``NSO/Image/Asdf.hs``), which the DKIST user tools load with
``dkist.load_dataset`` as a ``dkist.Inversion``:

    inversion (asdf://dkist.nso.edu/tags/inversion-0.1.0):
      meta: {inventory, headers: <table of the frames' primary headers>, axes}
      quantities (an ndcube NDCollection): {<quantity>: <dataset>, ...}
      profiles (asdf://dkist.nso.edu/tags/profiles-0.1.0): {<line>_orig: <dataset>, <line>_fit: ...}

where each <dataset> (asdf://dkist.nso.edu/tags/dataset-1.*) is read through a ``file_manager``
naming the frames (in frame order), the HDU and the array's shape in each frame, has the unit of
its frames' BUNIT, a gWCS (level2_wcs.py) and in its meta the table of that HDU's headers over the
frames and the inventory. The objects are the dkist package's (Inversion, Profiles, Dataset,
FileManager): asdf writes them with the extensions of dkist, ndcube, gwcs, sunpy and asdf-astropy.

Where the data center is inexact the file follows its frames and says so here: a quantity's unit is
its frames' BUNIT (the data center writes ``pixel``), a profile's is its frames' (dimensionless,
where the data center writes ``count``), and the datatype is the frames' (float32).

Pure: astropy, asdf and the dkist package; reads the frames' headers only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import asdf
import astropy.units as u
from astropy.io import fits
from astropy.table import Table
from astropy.wcs.wcsapi import HighLevelWCSWrapper, SlicedLowLevelWCS
from dkist import Dataset, Inversion
from dkist.dataset.inversion import Profiles
from dkist.io.dask.loaders import AstropyFITSLoader
from dkist.io.dask.striped_array import FileManager

from .level2_wcs import profile_gwcs, quantity_gwcs
from .quantities import PROFILE_LINES, QUANTITIES

QUANTITY_AXES = ["frame_y", "slit_x", "optical_depth"]
PROFILE_AXES = ["frame_y", "slit_x", "wavelength", "stokes"]
SKIPPED_KEYWORDS = {"", "COMMENT", "HISTORY"}
LINE_KEYS = {line.name: line for line in PROFILE_LINES.values()}


def snake(name: str) -> str:
    """The data center's item names: its field names in snake case (``quietSnake``)."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def header_table(headers: Sequence[fits.Header]) -> Table:
    """One row per header, one column per keyword they all carry; a column whose values do not
    share a type holds their text."""
    keys = [key for key in headers[0] if key not in SKIPPED_KEYWORDS and all(key in h for h in headers)]
    columns = {}
    for key in dict.fromkeys(keys):
        values = [h[key] for h in headers]
        kinds = {type(v) for v in values}
        if kinds <= {int, float} and kinds != {int}:
            values = [float(v) for v in values]
        elif len(kinds) > 1:
            values = [str(v) for v in values]
        columns[key] = values
    return Table(columns)


def _dataset(
    folder: Path, names: Sequence[str], target: int, headers: Sequence[fits.Header], wcs, meta
) -> Dataset:
    first = headers[0]
    files = FileManager.from_parts(
        list(names),
        target,
        {-32: "float32", -64: "float64"}[first["BITPIX"]],
        [first[f"NAXIS{axis}"] for axis in range(first["NAXIS"], 0, -1)],
        loader=AstropyFITSLoader,
        basepath=folder,
    )
    if len(files.output_shape) < wcs.pixel_n_dim:
        # One frame: dkist drops the frame axis of the data, so the gWCS is taken at that frame.
        wcs = HighLevelWCSWrapper(SlicedLowLevelWCS(wcs, 0))
    unit = u.Unit(first["BUNIT"], format="fits") if first["BUNIT"] else u.dimensionless_unscaled
    dataset = Dataset(
        files._generate_array(), wcs=wcs, meta={**meta, "headers": header_table(headers)}, unit=unit
    )
    dataset._file_manager = files  # how the dkist package's own converter makes one
    return dataset


def _per_hdu(frames: Sequence[Path]) -> list[list[fits.Header]]:
    """The frames' headers, one list per HDU in frame order."""
    per_hdu: list[list[fits.Header]] = []
    for frame in frames:
        with fits.open(frame) as hdus:
            headers = [hdu.header.copy() for hdu in hdus]
        if per_hdu and len(headers) != len(per_hdu):
            raise ValueError(f"{Path(frame).name} has {len(headers)} HDUs, the first frame {len(per_hdu)}")
        per_hdu = per_hdu or [[] for _ in headers]
        for index, header in enumerate(headers):
            per_hdu[index].append(header)
    return per_hdu


def build_inversion(frames: Sequence[Path], inventory: Mapping) -> Inversion:
    """The inversion of the frames (in frame order, all in one folder)."""
    folder = Path(frames[0]).parent
    names = [Path(frame).name for frame in frames]
    per_hdu = _per_hdu(frames)
    primaries = per_hdu[0]
    inventory = dict(inventory)  # one object: written once, referred to from every dataset
    # Every quantity has the same WCS: one gWCS, referred to from each.
    wcs = quantity_gwcs(primaries, per_hdu[1])
    quantities = {}
    for index, quantity in enumerate(QUANTITIES, start=1):
        if per_hdu[index][0]["EXTNAME"] != quantity.extname:
            raise ValueError(
                f"HDU {index} of {names[0]} is {per_hdu[index][0]['EXTNAME']}, not {quantity.extname}"
            )
        quantities[snake(quantity.key)] = _dataset(
            folder, names, index, per_hdu[index], wcs, {"inventory": inventory}
        )
    profiles = {}
    for index in range(len(QUANTITIES) + 1, len(per_hdu), 2):  # the original then the fit of each line
        name = per_hdu[index][0]["EXTNAME"].removeprefix("Original Profile ")
        line = LINE_KEYS[name]
        wcs = profile_gwcs(primaries, per_hdu[index])
        for offset, (suffix, kind) in enumerate((("orig", "original"), ("fit", "fit"))):
            meta = {
                "ion": line.ion,
                "wavelength": line.wavelength_nm,
                "profile": kind,
                "inventory": inventory,
            }
            profiles[f"{line.key}_{suffix}"] = _dataset(
                folder, names, index + offset, per_hdu[index + offset], wcs, meta
            )
    aligned = (0, 1, 3) if len(frames) > 1 else (0, 2)  # frame, slit and Stokes (one frame: no frame axis)
    return Inversion(
        quantities,
        aligned_axes="all",
        meta={"inventory": inventory, "headers": header_table(primaries), "axes": QUANTITY_AXES},
        profiles=Profiles(profiles, aligned_axes=(aligned,) * len(profiles), meta={"axes": PROFILE_AXES}),
    )


def write_dataset_asdf(path: str | os.PathLike, frames: Sequence[Path], inventory: Mapping) -> None:
    """Write the inversion's ASDF file to ``path`` (a temporary path of ``atomic_output``)."""
    asdf.AsdfFile({"inversion": build_inversion(frames, inventory)}).write_to(path)
