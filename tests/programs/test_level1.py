"""Choosing the L1 frames of the Level 2 frames, as the data center's generator does."""

import pytest

from l2portal.programs.science.level1 import Level1Error, canonical_frames, frame_header, intensity_frames


def test_the_fiducial_arms_intensity_frames_in_time_order(l2_inputs):
    canonical = l2_inputs.canonical
    header = frame_header(canonical.paths[0])
    assert header["VSPARMID"] == 1 and header["DSETID"] == canonical.dataset_id
    assert [p.name.split("_")[8] for p in canonical.paths] == ["I", "I", "I"]
    assert [frame_header(p)["DATE-BEG"] for p in canonical.paths] == sorted(
        frame_header(p)["DATE-BEG"] for p in canonical.paths
    )
    # Another arm is the fiducial one if the inversion says so.
    other = canonical_frames(l2_inputs.folders, 2, 3)
    assert other.dataset_id != canonical.dataset_id and frame_header(other.paths[0])["VSPARMID"] == 2


def test_one_more_l1_frame_is_dropped_other_differences_refused(l2_inputs):
    assert len(canonical_frames(l2_inputs.folders, 1, 2).paths) == 2  # 3 L1 frames, 2 inverted
    with pytest.raises(Level1Error, match=r"the inversion has 1 frames but the canonical dataset .* has 3"):
        canonical_frames(l2_inputs.folders, 1, 1)
    with pytest.raises(Level1Error, match="has 3 intensity frames"):
        canonical_frames(l2_inputs.folders, 1, 4)


def test_no_dataset_with_the_fiducial_arm_is_refused(l2_inputs):
    with pytest.raises(Level1Error, match=r"no dataset inverted has VSPARMID 7 .*found .*: 1, .*: 2, .*: 3"):
        canonical_frames(l2_inputs.folders, 7, 3)


def test_a_frame_without_its_compressed_image_is_refused(l2_inputs, tmp_path):
    plain = tmp_path / "VISP_2022_06_02T17_20_00_000_00630225_I_XXXXXX_L1.fits"
    plain.write_bytes(b"SIMPLE  =                    T" + b" " * 2850)
    with pytest.raises(Level1Error, match=r"not a readable L1 frame|one tile-compressed image HDU"):
        frame_header(plain)
    assert intensity_frames(tmp_path) == [plain]
