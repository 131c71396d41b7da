"""The inversion's ASDF dataset file, loaded with the DKIST user tools and checked against its
frames."""

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
