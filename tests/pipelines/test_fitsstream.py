"""Streamed FITS writing: checksums by the standard (astropy and fitsverify agree), headers
rewritten in place, and astropy's dated checksum comments made reproducible."""

import subprocess
import warnings

import numpy as np
from astropy.io import fits

from pipelines.science.fitsstream import FitsStream, encode_checksum, ones_complement_sum, stamp_checksums


def _verified(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fits.open(path, checksum=True) as hdus:
            hdus.verify("exception")
            data = [np.asarray(hdu.data).copy() if hdu.data is not None else None for hdu in hdus]
    assert subprocess.run(["fitsverify", "-q", "-e", str(path)], capture_output=True).returncode == 0
    return data


def test_rows_streamed_in_odd_blocks_carry_valid_checksums(tmp_path):
    rows = np.zeros(1001, dtype=[("TIME", ">f8"), ("FLAG", ">i2"), ("BYTE", "u1")])  # 11-byte rows
    rows["TIME"] = np.linspace(0, 1e9, len(rows))
    rows["FLAG"], rows["BYTE"] = np.arange(len(rows)) % 3000, 7
    header = fits.BinTableHDU.from_columns(
        [fits.Column("TIME", "D"), fits.Column("FLAG", "I"), fits.Column("BYTE", "B")], nrows=0
    ).header
    path = tmp_path / "streamed.fits"
    with open(path, "wb") as handle:
        stream = FitsStream(handle)
        stream.begin(fits.PrimaryHDU().header)
        stream.end()
        events = stream.begin(header)
        for first in range(0, len(rows), 97):
            stream.write(rows[first : first + 97])
        stream.end()
        stream.close({0: {"TSTART": 0.0}, events: {"TSTART": 0.0}})
    data = _verified(path)
    assert data[1].tobytes() == rows.tobytes()


def test_the_encoded_checksum_makes_the_hdu_sum_to_minus_zero():
    # The value sits where a CHECKSUM card puts it: from byte 11 of its card, zeros while summing.
    block = bytearray(np.random.default_rng(1).integers(0, 256, 2880, dtype=np.uint8).tobytes())
    block[11:27] = b"0" * 16
    block[11:27] = encode_checksum(ones_complement_sum(bytes(block))).encode("ascii")
    assert ones_complement_sum(bytes(block)) == 0xFFFFFFFF


def test_astropy_checksums_are_stamped_without_their_date(tmp_path):
    paths = []
    for name in ("first.fits", "second.fits"):
        table = fits.BinTableHDU.from_columns([fits.Column("X", "D", array=np.arange(5.0))])
        fits.HDUList([fits.PrimaryHDU(), table]).writeto(tmp_path / name, checksum=True)
        stamp_checksums(tmp_path / name)
        paths.append(tmp_path / name)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert "updated" not in fits.getheader(paths[0], 1).comments["CHECKSUM"]
    _verified(paths[0])
