"""The Project/SOUS/GOUS/MOUS layout and its path safety."""

from pathlib import PurePosixPath

import pytest

from restore.science.layout import RestoreLayout, UnsafePathComponent, disk_name, safe_component


def seed_layout(root, project_code="2017.1.01347.S"):
    return RestoreLayout(
        root, project_code, "uid://A001/X12a3/X80c", "uid://A001/X12a3/X80d", "uid://A001/X12a3/X80e"
    )


def test_disk_name():
    assert disk_name("uid://A001/X12a3/X80e") == "uid___A001_X12a3_X80e"


def test_seed_layout(tmp_path):
    layout = seed_layout(tmp_path)
    assert layout.relative_path == PurePosixPath(
        "2017.1.01347.S/SOUS_uid___A001_X12a3_X80c/GOUS_uid___A001_X12a3_X80d/MOUS_uid___A001_X12a3_X80e"
    )
    mous_dir = layout.create()
    assert sorted(child.name for child in mous_dir.iterdir()) == ["products", "rawdata", "working"]
    assert layout.working == tmp_path / layout.relative_path / "working"


@pytest.mark.parametrize(
    "project_code", ["..", ".", "", "../../etc", "/etc", "2017.1\\x", "2017\x00.1", "~root", "a/b"]
)
def test_components_leaving_the_root_are_rejected(tmp_path, project_code):
    with pytest.raises(UnsafePathComponent, match="refusing"):
        seed_layout(tmp_path, project_code).create()
    assert list(tmp_path.iterdir()) == []


def test_uid_separators_cannot_climb(tmp_path):
    layout = RestoreLayout(tmp_path, "P", "uid://../..", "uid://A001/X1/X2", "uid://A001/X1/X3")
    assert layout.mous_dir.resolve().is_relative_to(tmp_path.resolve())
    with pytest.raises(UnsafePathComponent):
        disk_name("..")


def test_symlinked_project_directory_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "2017.1.01347.S").symlink_to(outside)
    with pytest.raises(UnsafePathComponent, match="outside the restore root"):
        seed_layout(root).create()


def test_safe_component_accepts_plain_names():
    assert safe_component("member.uid___A001_X12a3_X80e.session_2.caltables.tgz", "file") is not None
