"""The on-disk layout of an MOUS restore.

``<root>/<project code>/SOUS_<uid>/GOUS_<uid>/MOUS_<uid>/{products,rawdata,working}``, the layout
the ALMA pipeline expects when the PPR carries a ProjectStructure. Every path component comes from
the archive, so each one is checked before it touches the file system.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SUBDIRECTORIES = ("products", "rawdata", "working")


def tree_size(path: Path) -> int:
    """Bytes in the files under ``path``."""
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


class UnsafePathComponent(ValueError):
    """An archive value would escape the restore root if used as a path component."""


def safe_component(value: str, what: str) -> str:
    """Return ``value`` if it is one plain directory entry name, else raise UnsafePathComponent."""
    problem = None
    if not value:
        problem = "is empty"
    elif value in (".", ".."):
        problem = "is a relative reference"
    elif "\x00" in value:
        problem = "contains a NUL byte"
    elif "/" in value or "\\" in value:
        problem = "contains a path separator"
    elif value.startswith("~"):
        problem = "starts with '~'"
    if problem:
        raise UnsafePathComponent(f"{what} {value!r} {problem}; refusing to use it as a path component")
    return value


def disk_name(uid: str) -> str:
    """The file-system form of an ALMA uid: uid://A001/X12a3/X80e -> uid___A001_X12a3_X80e."""
    return safe_component(uid.translate(str.maketrans(":/", "__")), "uid")


@dataclass(frozen=True)
class RestoreLayout:
    root: Path
    project_code: str
    sous_uid: str
    gous_uid: str
    mous_uid: str

    @property
    def relative_path(self) -> PurePosixPath:
        """The PPR's RelativePath: the MOUS directory relative to SCIPIPE_ROOTDIR."""
        return PurePosixPath(
            safe_component(self.project_code, "project code"),
            "SOUS_" + disk_name(self.sous_uid),
            "GOUS_" + disk_name(self.gous_uid),
            "MOUS_" + disk_name(self.mous_uid),
        )

    @property
    def mous_dir(self) -> Path:
        root = Path(self.root)
        mous_dir = root / self.relative_path
        # Components are already checked; this guards against a symlinked root component.
        if not mous_dir.resolve().is_relative_to(root.resolve()):
            raise UnsafePathComponent(f"{mous_dir} resolves outside the restore root {root}")
        return mous_dir

    @property
    def products(self) -> Path:
        return self.mous_dir / "products"

    @property
    def rawdata(self) -> Path:
        return self.mous_dir / "rawdata"

    @property
    def working(self) -> Path:
        return self.mous_dir / "working"

    @property
    def logs(self) -> Path:
        """The pipeline's logs (SCIPIPE_LOGDIR), beside the project folder."""
        return Path(self.root) / "logs"

    def create(self) -> Path:
        """Create the MOUS directory and its three subdirectories; return the MOUS directory."""
        mous_dir = self.mous_dir
        for name in SUBDIRECTORIES:
            (mous_dir / name).mkdir(parents=True, exist_ok=True)
        return mous_dir
