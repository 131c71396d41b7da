"""NGAS status documents and CRC variants, as ICRAR's NGAS writes and computes them."""

import zlib

import crc32c
import pytest

from restore.science.ngas import Crc, NgasError, parse_status, variant_name

# A STATUS?file_id= answer as ngamsStatus.genXmlDoc + addStatusDocTypeXmlDoc write it.
STATUS = b"""<?xml version="1.0" ?>
<!DOCTYPE NgamsStatus SYSTEM "http://ngas01.sco.alma.cl:7777/RETRIEVE?internal=ngamsStatus.dtd">
<NgamsStatus>
  <Status Date="2024-03-01T10:00:00.000" Version="v11.0/2020-05-06T12:00:00" HostId="ngas01:7777"
    Message="Successfully handled command STATUS" Status="SUCCESS" State="ONLINE" SubState="IDLE"/>
  <DiskStatus DiskId="ngas01-disk-3" Archive="ALMA" HostId="ngas01:7777">
    <FileStatus FileName="saf/2018-07-20/1/x.tgz" FileId="x.tgz" FileVersion="1"
      Format="application/octet-stream" FileSize="231" UncompressedFileSize="231" Compression=""
      IngestionDate="2018-07-20T09:30:00.000" Ignore="0" Checksum="-1234" ChecksumPlugIn="ngamsGenCrc32"
      FileStatus="00000000" CreationDate="2018-07-20T09:30:00.000"/>
  </DiskStatus>
</NgamsStatus>"""
FAILURE = b"""<?xml version="1.0" ?>
<!DOCTYPE NgamsStatus SYSTEM "http://ngas01:7777/RETRIEVE?internal=ngamsStatus.dtd">
<NgamsStatus>
  <Status Date="2024-03-01T10:00:00.000" Version="v11.0" HostId="ngas01:7777"
    Message="NGAMS_ER_UNAVAIL_FILE:4019:ERROR: File with ID: y appears not to be available." Status="FAILURE"
    State="ONLINE" SubState="IDLE"/>
</NgamsStatus>"""


def test_a_file_status_is_read():
    status = parse_status(STATUS)
    assert (status.status, status.state, status.sub_state) == ("SUCCESS", "ONLINE", "IDLE")
    assert status.file.file_id == "x.tgz" and status.file.size == 231
    assert (status.file.checksum, status.file.variant, status.file.version) == ("-1234", "crc32", 1)


def test_a_failure_carries_the_ngas_message():
    status = parse_status(FAILURE)
    assert status.status == "FAILURE" and status.file is None
    assert status.message.startswith("NGAMS_ER_UNAVAIL_FILE:4019")


def test_what_is_not_an_ngas_status_is_refused():
    with pytest.raises(NgasError, match="NgamsStatus"):
        parse_status(b"<html><body>proxy error</body></html>")
    with pytest.raises(NgasError, match="no checksum"):
        parse_status(STATUS.replace(b'Checksum="-1234" ', b""))
    with pytest.raises(NgasError, match="unknown NGAS checksum variant 'md5'"):
        parse_status(STATUS.replace(b"ngamsGenCrc32", b"md5"))


@pytest.mark.parametrize(
    ("names", "variant"),
    [
        (("crc32", "ngamsGenCrc32", "StreamCrc32", "0"), "crc32"),
        (("crc32c", "1"), "crc32c"),
        (("crc32z", "2"), "crc32z"),
    ],
)
def test_variant_names_as_ngas_normalises_them(names, variant):
    assert {variant_name(name) for name in names} == {variant}


def test_crcs_of_each_variant_and_how_they_compare():
    data = b"123456789" * 1000
    for variant, expected in (
        ("crc32", zlib.crc32(data)),
        ("crc32z", zlib.crc32(data)),
        ("crc32c", crc32c.crc32c(data)),
    ):
        crc = Crc(variant)
        for start in range(0, len(data), 777):  # streamed in blocks, as a transfer arrives
            crc.update(data[start : start + 777])
        assert crc.value == expected and crc.matches(str(expected))
        assert not crc.matches(str(expected + 1)) and not crc.matches("not a number")
    signed = zlib.crc32(b"\x00")
    assert signed >= 2**31  # stored as a negative number by Python 2 servers
    crc32, crc32z = Crc("crc32"), Crc("crc32z")
    crc32.update(b"\x00")
    crc32z.update(b"\x00")
    assert crc32.matches(str(signed - 2**32)) and not crc32z.matches(str(signed - 2**32))
    assert Crc("crc32c").value == 0 and crc32c.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
