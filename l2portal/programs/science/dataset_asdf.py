"""The ASDF file describing a published inversion, in the structure of the data center's dataset
files (DKISTDC/level2 ``docs/example1.asdf.yaml``, the L1 dataset; ``NSO/Image/Asdf.hs``, the L2
inversion tree):

    inversion:
      fileuris: [frame file names, in frame order]
      meta: {inventory: {...}, headers: <table of the frames' primary headers>}
      quantities: {meta: {axes}, items: {<quantity>: <dataset>, ...}}
      profiles:   {meta: {axes}, items: {<line>_orig: <dataset>, <line>_fit: <dataset>, ...}}

where each <dataset> is laid out as an L1 dataset: ``data`` (datatype, fileuris, shape of the
array in each file, target: its HDU), ``meta`` (headers: the table of that HDU's headers over the
frames; inventory), ``unit`` and ``wcs``: the WCS of the whole dataset, the first frame's with the
frame axis running over the frames. Written with asdf and asdf-astropy (tables, units, WCS).

Pure: astropy and asdf, reading the frames' headers only.
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
from astropy.wcs import WCS

from .quantities import QUANTITIES

QUANTITY_AXES = ["frame_y", "slit_x", "optical_depth"]
PROFILE_AXES = ["frame_y", "slit_x", "wavelength", "stokes"]
SKIPPED_KEYWORDS = {"", "COMMENT", "HISTORY"}


def snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()).strip("_")


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


def _unit(text: str) -> u.UnitBase:
    return u.Unit(text, format="fits") if text else u.dimensionless_unscaled


def _dataset(
    names: Sequence[str], headers: Sequence[fits.Header], target: int, unit: u.UnitBase, inventory: Mapping
) -> dict:
    first = headers[0]
    shape = [first[f"NAXIS{axis}"] for axis in range(first["NAXIS"], 0, -1)]
    wcs = WCS(first)
    wcs.pixel_shape = (*shape[:0:-1], len(names))  # the dummy frame axis spans the frames
    return {
        "unit": unit,
        "data": {
            "datatype": {-32: "float32", -64: "float64"}[first["BITPIX"]],
            "fileuris": list(names),
            "shape": shape,
            "target": target,
        },
        "meta": {"headers": header_table(headers), "inventory": inventory},
        "wcs": wcs,
    }


def dataset_tree(frames: Sequence[Path], inventory: Mapping) -> dict:
    """The tree of the file, from the frames' headers (the frames in frame order)."""
    names = [Path(frame).name for frame in frames]
    per_hdu: list[list[fits.Header]] = []
    for frame in frames:
        with fits.open(frame) as hdus:
            headers = [hdu.header.copy() for hdu in hdus]
        if per_hdu and len(headers) != len(per_hdu):
            raise ValueError(f"{Path(frame).name} has {len(headers)} HDUs, the first frame {len(per_hdu)}")
        per_hdu = per_hdu or [[] for _ in headers]
        for index, header in enumerate(headers):
            per_hdu[index].append(header)
    inventory = dict(inventory)  # one object: written once, referred to from every dataset
    quantities = {
        snake(quantity.key): _dataset(names, per_hdu[index], index, _unit(quantity.unit), inventory)
        for index, quantity in enumerate(QUANTITIES, start=1)
    }
    profiles = {}
    for index in range(len(QUANTITIES) + 1, len(per_hdu)):
        extname = per_hdu[index][0]["EXTNAME"]  # "<Fit|Original> Profile <line>"
        kind, _, line = extname.partition(" Profile ")
        key = f"{snake(line)}_{'fit' if kind == 'Fit' else 'orig'}"
        profiles[key] = _dataset(names, per_hdu[index], index, u.dimensionless_unscaled, inventory)
    return {
        "inversion": {
            "fileuris": names,
            "meta": {"inventory": inventory, "headers": header_table(per_hdu[0])},
            "quantities": {"meta": {"axes": QUANTITY_AXES}, "items": quantities},
            "profiles": {"meta": {"axes": PROFILE_AXES}, "items": profiles},
        }
    }


def write_dataset_asdf(path: str | os.PathLike, frames: Sequence[Path], inventory: Mapping) -> None:
    """Write the inversion's ASDF file to ``path`` (a temporary path of ``atomic_output``)."""
    asdf.AsdfFile(dataset_tree(frames, inventory)).write_to(path)
