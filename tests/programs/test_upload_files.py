"""Uploads onto disk: limits checked before any decompression, bombs refused after a few blocks."""

import gzip
import io
import zlib

import numpy as np
import pytest
from astropy.io import fits

from l2portal.programs.science.upload_files import UploadTooLarge, expand_if_compressed, save_limited

MB = 1000 * 1000


class CountingReader(io.RawIOBase):
    """A file-like source that counts what is read from it."""

    def __init__(self, data: bytes):
        self.data, self.position, self.read_bytes = data, 0, 0

    def readable(self):
        return True

    def read(self, size=-1):
        block = self.data[self.position : self.position + (size if size >= 0 else len(self.data))]
        self.position += len(block)
        self.read_bytes += len(block)
        return block


def test_save_limited_stops_at_the_limit_and_keeps_nothing(tmp_path):
    target = tmp_path / "upload"
    assert save_limited(io.BytesIO(b"x" * 1000), target, 1000, "quantities file") == 1000
    source = CountingReader(b"x" * 20 * MB)
    with pytest.raises(UploadTooLarge, match=r"quantities file: larger than the 10\.0 MB a form upload"):
        save_limited(source, target, 10 * MB, "quantities file")
    assert not target.exists() and source.read_bytes < 20 * MB


def fits_bytes(shape) -> bytes:
    hdu = fits.PrimaryHDU(np.ones(shape, dtype=np.float32))
    out = io.BytesIO()
    hdu.writeto(out)
    return out.getvalue()


def test_a_compressed_fits_file_is_expanded(tmp_path):
    original = fits_bytes((11, 4, 3, 5))
    packed = tmp_path / "inv_res_mod.fits.gz.upload"
    packed.write_bytes(gzip.compress(original))
    expanded = expand_if_compressed(packed, 10 * MB, "quantities file")
    assert expanded.read_bytes() == original and not packed.exists()
    plain = tmp_path / "plain.upload"
    plain.write_bytes(original)
    assert expand_if_compressed(plain, 10 * MB, "quantities file") == plain


def two_gigabyte_bomb(path, announce_small: bool):
    """A gzip stream of 2 GB of zeros behind a FITS header, a few megabytes compressed: 2,048
    members of one compressed megabyte each (multi-member gzip, as gzip and zlib read it)."""
    shape = (1,) if announce_small else (11, 100, 512, 1000)  # 2.25 GB of float32 announced
    header = fits.PrimaryHDU(np.zeros(shape, dtype=np.float32)).header.tostring().encode()
    member = gzip.compress(b"\0" * MB, compresslevel=9)
    with open(path, "wb") as out:
        out.write(gzip.compress(header))
        for _ in range(2048):
            out.write(member)
    assert path.stat().st_size < 5 * MB


def test_a_bomb_announcing_its_size_is_refused_from_its_header(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.upload"
    two_gigabyte_bomb(bomb, announce_small=False)
    inflated = []
    real = zlib.decompressobj

    def counting(*args, **kwargs):
        inflated.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(zlib, "decompressobj", counting)
    with pytest.raises(
        UploadTooLarge, match=r"unpacks to more than the 512.0 MB .*its header announces 2,252.8 MB"
    ):
        expand_if_compressed(bomb, 512 * MB, "quantities file")
    assert len(inflated) <= 2  # the header's member only: the 2 GB were never inflated
    assert not (tmp_path / "bomb.expanded.fits").exists()


def test_a_bomb_lying_about_its_size_is_stopped_at_the_limit(tmp_path):
    bomb = tmp_path / "liar.upload"
    two_gigabyte_bomb(bomb, announce_small=True)
    with pytest.raises(UploadTooLarge, match="decompression was stopped there"):
        expand_if_compressed(bomb, 20 * MB, "quantities file")
    assert list(tmp_path.iterdir()) == [bomb]  # nothing of the expansion kept


def test_a_corrupt_gzip_file_is_refused(tmp_path):
    broken = tmp_path / "broken.upload"
    broken.write_bytes(gzip.compress(fits_bytes((2, 2)))[:60])
    with pytest.raises(ValueError, match="quantities file: "):
        expand_if_compressed(broken, 10 * MB, "quantities file")
