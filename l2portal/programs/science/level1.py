"""The Level 1 frames a Level 2 frame is derived from, chosen as the data center's generator
chooses them (DKISTDC/level2 ``App/Worker/Generate/Level1.hs``, ``Inputs.hs``):

* the canonical dataset is the one, among the datasets inverted, whose first intensity frame's
  ``VSPARMID`` is the inversion's fiducial arm (``DESR-FID``);
* its intensity frames (``_I_`` in the file name) in file-name order, which is time order, are the
  L2 frames' L1 frames, one per frame y; the L1 dataset may have one frame more than the inversion
  (the last one, dropped), no other difference;
* a frame's header is that of its data HDU, the tile-compressed image in its first extension.

Pure: astropy only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from astropy.io import fits

INTENSITY_MARK = "_I_"
ARM_KEYWORD = "VSPARMID"


class Level1Error(ValueError):
    """The L1 frames cannot give the Level 2 frames their headers; the message says why."""


@dataclass(frozen=True)
class CanonicalFrames:
    dataset_id: str
    paths: tuple[Path, ...]  # one per inversion frame y


def intensity_frames(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.suffix == ".fits" and INTENSITY_MARK in p.name)


def frame_header(path: Path) -> fits.Header:
    """The header of an L1 frame's data: its tile-compressed image HDU."""
    try:
        with fits.open(path) as hdus:
            images = [hdu for hdu in hdus[1:] if isinstance(hdu, fits.CompImageHDU)]
            if len(images) != 1:
                raise Level1Error(
                    f"{path.name}: an L1 frame holds one tile-compressed image HDU, this one {len(images)}"
                )
            return images[0].header.copy()
    except (OSError, ValueError) as error:
        if isinstance(error, Level1Error):
            raise
        raise Level1Error(f"{path.name}: not a readable L1 frame ({error})") from None


def canonical_frames(folders: Mapping[str, Path], fiducial_arm: int, n_frames: int) -> CanonicalFrames:
    """The fiducial arm's intensity frames, one per inversion frame; Level1Error if there is no
    such dataset or its frame count does not match the inversion's."""
    arms: dict[str, object] = {}
    for dataset_id in sorted(folders):
        frames = intensity_frames(folders[dataset_id])
        if not frames:
            arms[dataset_id] = "no intensity frames"
            continue
        arm = frame_header(frames[0]).get(ARM_KEYWORD)
        arms[dataset_id] = arm
        if arm == fiducial_arm:
            return CanonicalFrames(dataset_id, tuple(_matching(dataset_id, frames, n_frames)))
    found = ", ".join(f"{dataset_id}: {arm}" for dataset_id, arm in arms.items()) or "no datasets"
    raise Level1Error(
        f"no dataset inverted has {ARM_KEYWORD} {fiducial_arm} (the inversion's DESR-FID); found {found}"
    )


def _matching(dataset_id: str, frames: Sequence[Path], n_frames: int) -> Sequence[Path]:
    if len(frames) - n_frames not in (0, 1):
        raise Level1Error(
            f"the inversion has {n_frames} frames but the canonical dataset {dataset_id} has {len(frames)} "
            "intensity frames; they must match (one more L1 frame is allowed, the last, dropped)"
        )
    return frames[:n_frames]
