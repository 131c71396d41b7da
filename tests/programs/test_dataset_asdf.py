"""The inversion's ASDF dataset file, read back with asdf and checked against its frames."""

import asdf
import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from l2portal.programs.science.dataset_asdf import write_dataset_asdf
from l2portal.programs.science.quantities import QUANTITIES
from tests.programs.test_level2 import write_frames

INVENTORY = {
    "inversionId": "inv.ABC123",
    "datasetIds": ["AAAAAB"],
    "asdfObjectKey": "pid_1_100/inv.ABC123/x.asdf",
}


def test_read_back_matches_the_frames(l2_inputs, tmp_path):
    frames = write_frames(l2_inputs, tmp_path / "l2")
    path = tmp_path / "INV_ABC123_L2_metadata.asdf"
    write_dataset_asdf(path, frames, INVENTORY)
    with asdf.open(path) as af, fits.open(frames[1]) as second:
        tree = af["inversion"]
        assert tree["fileuris"] == [frame.name for frame in frames]
        assert tree["meta"]["inventory"] == INVENTORY
        headers = tree["meta"]["headers"]
        assert len(headers) == 3 and list(headers["DATE-BEG"]) == [
            fits.getheader(f)["DATE-BEG"] for f in frames
        ]
        assert headers["FILENAME"][1] == frames[1].name and headers["DSETID"][0] == "inv.ABC123"
        assert tree["quantities"]["meta"]["axes"] == ["frame_y", "slit_x", "optical_depth"]
        items = tree["quantities"]["items"]
        keys = [
            "optical_depth",
            "temperature",
            "electron_pressure",
            "micro_turbulence",
            "mag_strength",
            "velocity",
            "mag_inclination",
            "mag_azimuth",
            "geo_height",
            "gas_pressure",
            "density",
        ]
        assert sorted(items) == sorted(keys)
        for index, (key, quantity) in enumerate(zip(keys, QUANTITIES, strict=True), start=1):
            item = items[key]
            assert item["data"]["target"] == index and item["data"]["fileuris"] == tree["fileuris"]
            assert item["data"]["shape"] == list(second[index].data.shape) == [1, 5, 13]
            assert item["data"]["datatype"] == "float32"
            assert item["unit"] == (
                u.Unit(quantity.unit, format="fits") if quantity.unit else u.dimensionless_unscaled
            )
            assert item["meta"]["inventory"] is tree["meta"]["inventory"]  # one object, referred to
            assert item["meta"]["headers"]["DATAMAX"][1] == pytest.approx(second[index].header["DATAMAX"])
        assert items["mag_strength"]["unit"] == u.T and items["velocity"]["unit"] == u.km / u.s
        # The dataset's WCS: its frame axis runs over the frames, each at its own raster position.
        wcs = items["temperature"]["wcs"]
        assert wcs.pixel_shape == (13, 5, 3)
        for y, frame in enumerate(frames):
            own = WCS(fits.getheader(frame, 2))
            for mine, theirs in zip(wcs.pixel_to_world(12, 2, y), own.pixel_to_world(12, 2, 0), strict=True):
                assert np.isclose(mine.value, theirs.value, atol=1e-9)
        profiles = tree["profiles"]["items"]
        assert sorted(profiles) == ["ca_ii_854_fit", "ca_ii_854_orig", "fe_i_630_fit", "fe_i_630_orig"]
        assert (
            profiles["fe_i_630_orig"]["data"]["target"] == 12
            and profiles["ca_ii_854_fit"]["data"]["target"] == 15
        )
        assert profiles["fe_i_630_fit"]["data"]["shape"] == [1, 5, 16, 4]
