"""The inversion-input manifest: frames per dataset and per spectral line, read from the L1 frames."""

import pytest

from l2portal.programs.science.metadata import parse_dataset_inventory
from l2portal.programs.science.preprocess import build_inversion_manifest, manifest_bytes
from l2portal.programs.standins import synthetic_frames
from tests.programs import raw_record


def test_manifest_lists_frames_per_dataset_and_line(tmp_path):
    scratch = tmp_path / "scratch"
    fe = parse_dataset_inventory(raw_record(datasetId="FE"))
    ca = parse_dataset_inventory(
        raw_record(datasetId="CA", spectralLines=None, wavelengthMin=853.9, wavelengthMax=854.5)
    )
    synthetic_frames.write_l1_frames(scratch / "FE", fe, 3)
    frames = synthetic_frames.write_l1_frames(scratch / "CA", ca, 2)
    folders = {"CA": scratch / "CA", "FE": scratch / "FE"}
    manifest = build_inversion_manifest("eid_1_118_opA", folders, scratch)

    assert manifest["program_id"] == "eid_1_118_opA"
    assert manifest["datasets"]["FE"]["lines"] == ["Fe I 630"]
    assert (manifest["datasets"]["FE"]["frame_count"], manifest["datasets"]["FE"]["raster_steps"]) == (12, 3)
    assert manifest["datasets"]["CA"]["frames"] == sorted(f"CA/{p.name}" for p in frames)
    assert manifest["lines"] == {
        "Ca II 854": {"datasets": ["CA"], "frame_count": 8},
        "Fe I 630": {"datasets": ["FE"], "frame_count": 12},
    }
    again = build_inversion_manifest("eid_1_118_opA", dict(reversed(folders.items())), scratch)
    assert manifest_bytes(again) == manifest_bytes(manifest)  # same frames, same manifest


def test_a_dataset_without_frames_or_with_another_ones_frames_is_refused(tmp_path):
    fe = parse_dataset_inventory(raw_record(datasetId="FE"))
    synthetic_frames.write_l1_frames(tmp_path / "FE", fe, 1)
    (tmp_path / "EMPTY").mkdir()
    with pytest.raises(ValueError, match="dataset EMPTY: no L1 intensity frames"):
        build_inversion_manifest("op", {"EMPTY": tmp_path / "EMPTY"}, tmp_path)
    with pytest.raises(ValueError, match="belongs to dataset FE, not OTHER"):
        build_inversion_manifest("op", {"OTHER": tmp_path / "FE"}, tmp_path)
