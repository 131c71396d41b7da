"""Atomic file output and checksums: the one way the project writes and verifies a file.

Pure Python (no Django) so command-line tools and workers share it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHUNK = 4 * 1024 * 1024


class OutputExists(FileExistsError):
    """The destination exists and holds different content; files are never silently overwritten."""


def sha256_file(path: str | os.PathLike, chunk_size: int = CHUNK) -> str:
    """SHA-256 of a file, reading the next block while the current one is hashed (both release
    the GIL), so verification streams at about the slower of disk and hash, not their sum."""
    if os.path.getsize(path) <= chunk_size:  # one block: no reader thread worth starting
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as handle, ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(handle.read, chunk_size)
        while block := pending.result():
            pending = reader.submit(handle.read, chunk_size)
            digest.update(block)
    return digest.hexdigest()


def partial_files(path: str | os.PathLike, tag: str) -> list[Path]:
    """The temporary files a writer tagged ``tag`` left beside ``path``."""
    final = Path(path)
    return sorted(final.parent.glob(f".{glob_escape(final.name)}.{glob_escape(tag)}.*.part"))


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StagedFile:
    """A temporary file beside its final path, written and fsynced, waiting to be put in place."""

    def __init__(self, final: Path, tmp: Path):
        self.final, self.path = final, tmp

    def finish(self) -> None:
        with open(self.path, "rb+") as handle:
            os.fsync(handle.fileno())

    def put_in_place(self, *, overwrite: bool = False) -> None:
        """Rename into place. If the final path exists: identical content is kept as it is (a
        repeated task run is a no-op), different content raises OutputExists unless
        ``overwrite`` is set."""
        if self.final.exists() and not overwrite:
            if sha256_file(self.final) == sha256_file(self.path):
                self.path.unlink()
                return
            raise OutputExists(
                f"{self.final} already exists with different content; "
                "write a new version or remove the old file through purge"
            )
        os.replace(self.path, self.final)
        _fsync_dir(self.final.parent)


@contextlib.contextmanager
def staged_output(path: str | os.PathLike, *, tag: str = "") -> Iterator[StagedFile]:
    """A StagedFile for ``path``: fill ``staged.path``, ``finish()`` it, ``put_in_place()`` when
    ready (for example inside a short transaction that registers it). Whatever was not put in
    place is removed on exit.

    The temporary file is ``.<name>.[<tag>.]<random>.part``: a ``tag`` naming the writer (its
    Execution) lets a recovery remove what a killed writer left, and nothing else."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{final.name}.{tag}." if tag else f".{final.name}."
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=final.parent)
    os.close(fd)
    staged = StagedFile(final, Path(tmp_name))
    try:
        yield staged
    finally:
        if staged.path.exists():
            staged.path.unlink()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, overwrite: bool = False, tag: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success fsync it and rename it into place (see
    StagedFile.put_in_place for an existing ``path``). On error the temporary file is removed
    and ``path`` is untouched."""
    with staged_output(path, tag=tag) as staged:
        yield staged.path
        staged.finish()
        staged.put_in_place(overwrite=overwrite)
