"""The inversion's ASDF dataset file, loaded with the DKIST user tools and checked against its
frames."""

import gzip
from pathlib import Path

import dkist
import dkist.data.test
from astropy.io import fits

from l2portal.programs.science.dataset_asdf import write_dataset_asdf
from tests.programs.dkist_load import assert_dkist_loads
from tests.programs.test_level2 import write_frames

INVENTORY = {
    "inversionId": "inv.ABC123",
    "datasetIds": ["AAAAAB"],
    "asdfObjectKey": "pid_1_100/inv.ABC123/x.asdf",
}


def test_the_dkist_user_tools_load_it_as_the_frames(l2_inputs, tmp_path):
    frames = write_frames(l2_inputs, tmp_path / "l2")
    path = tmp_path / "l2" / "INV_ABC123_L2_metadata.asdf"
    write_dataset_asdf(path, frames, INVENTORY)
    inversion = assert_dkist_loads(path, frames)
    assert inversion.meta["inventory"] == INVENTORY
    headers = inversion.meta["headers"]
    assert list(headers["DATE-BEG"]) == [fits.getheader(f)["DATE-BEG"] for f in frames]
    assert headers["DSETID"][0] == "inv.ABC123" and inversion.meta["axes"] == [
        "frame_y",
        "slit_x",
        "optical_depth",
    ]
    assert inversion["mag_strength"].unit == "T" and inversion["velocity"].unit == "km / s"
    assert inversion["temperature"].data.shape == (3, 5, 13)
    assert inversion.profiles["FeI630_fit"].data.shape == (3, 5, 16, 4)
    assert inversion.profiles["CaII854_orig"].meta["ion"] == "Ca II"
    second = fits.getheader(frames[1], 2)
    assert inversion["temperature"].headers["DATAMAX"][1] == second["DATAMAX"]
    # Sliced as a user would: the profiles follow the quantities' frame and slit.
    one = inversion[1, 2]
    assert one["temperature"].data.shape == (13,) and one.profiles["FeI630_orig"].data.shape == (16, 4)


def test_a_one_frame_inversion_loads_without_its_frame_axis(l2_inputs, tmp_path):
    [first, *_] = write_frames(l2_inputs, tmp_path / "l2")
    path = tmp_path / "l2" / "INV_ABC123_L2_metadata.asdf"
    write_dataset_asdf(path, [first], INVENTORY)
    inversion = assert_dkist_loads(path, [first])  # dkist squeezes a single file's axis away
    assert inversion["temperature"].data.shape == (5, 13)
    assert inversion.profiles["FeI630_orig"].data.shape == (5, 16, 4)


def test_laid_out_as_the_data_centers_own_inversion_in_the_dkist_package(l2_inputs, tmp_path):
    """The dkist package's test inversion (written by the data center's code) and ours have the same
    items, aligned axes, metadata and world axes; the data center's quantities carry a Stokes axis
    of their L1 gWCS, which a quantity does not have, and their log tau is in pixels."""
    theirs_path = tmp_path / "test_L2_inversion.asdf"
    with gzip.open(Path(dkist.data.test.rootdir) / "test_L2_inversion.asdf.gz") as packed:
        theirs_path.write_bytes(packed.read())
    theirs = dkist.load_dataset(theirs_path)
    frames = write_frames(l2_inputs, tmp_path / "l2")
    path = tmp_path / "l2" / "INV_ABC123_L2_metadata.asdf"
    write_dataset_asdf(path, frames, INVENTORY)
    ours = dkist.load_dataset(path)
    assert sorted(ours) == sorted(theirs)
    assert set(ours.profiles) <= set(theirs.profiles)  # the lines they inverted include ours
    for inversion in (ours, theirs):
        assert set(inversion.aligned_axes.values()) == {(0, 1, 2)}
        assert set(inversion.profiles.aligned_axes.values()) == {(0, 1, 3)}
    assert {"axes", "headers", "inventory"} <= set(ours.meta) and set(theirs.meta) - set(ours.meta) == {
        "gwcs",
        "l1gwcs",
    }
    ours_q, theirs_q = ours["temperature"].wcs, theirs["temperature"].wcs
    assert ours_q.world_axis_physical_types == theirs_q.world_axis_physical_types[:4]
    assert theirs_q.world_axis_physical_types[4:] == ("phys.polarization.stokes",)
    assert ours_q.world_axis_units[1:] == theirs_q.world_axis_units[1:4] == ("arcsec", "arcsec", "s")
    for key in ours.profiles:
        mine, theirs_p = ours.profiles[key], theirs.profiles[key]
        assert mine.wcs.world_axis_physical_types == theirs_p.wcs.world_axis_physical_types
        assert mine.wcs.world_axis_units == theirs_p.wcs.world_axis_units
        assert sorted(mine.meta) == sorted(theirs_p.meta) and mine.meta["profile"] == theirs_p.meta["profile"]
