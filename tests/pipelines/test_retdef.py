"""RetDef documents: read as HalfPipe reads them (retdef/run/@l0key), untrusted."""

import datetime as dt

import pytest

from pipelines.science.retdef import RetDef, RetDefError, parse_retdef, write_retdef

RETDEF = RetDef(
    230401001, 3, dt.datetime(2023, 4, 1, 10, 14, 3, tzinfo=dt.UTC), "level0/230401001",
    (545208791, 545212791), "230401001-00003.chunk", 545211471.0, 545212841.0, "ab" * 32,
)  # fmt: skip


def test_a_written_retdef_reads_back():
    assert parse_retdef(write_retdef(RETDEF), "r.xml") == RETDEF


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b'<!DOCTYPE r [<!ENTITY x "y">]><retdef/>', "declares a DTD"),
        (b"<retdef", "not well-formed"),
        (b"<other/>", "root element is <other>"),
        (b'<retdef downlink="1" chunk="x"/>', "chunk='x'> is not a number"),
        (b'<retdef downlink="1" chunk="1" created="2023-04-01T10:00:00"/>', "has no time zone"),
        (b'<retdef downlink="1" chunk="1" created="2023-04-01T10:00:00Z"/>', "no <run l0key=...>"),
        (
            b'<retdef downlink="1" chunk="1" created="2023-04-01T10:00:00Z"><run l0key="5"/>'
            b'<chunk file="../etc/passwd" start="1" stop="2"/></retdef>',
            "must be a plain file name",
        ),
        (
            b'<retdef downlink="1" chunk="1" created="2023-04-01T10:00:00Z"><run l0key="5"/>'
            b'<chunk file="c" start="3" stop="2"/></retdef>',
            "stop 2.0 is not after start 3.0",
        ),
    ],
)
def test_bad_documents_are_refused_with_the_reason(document, message):
    with pytest.raises(RetDefError, match=message):
        parse_retdef(document, "RetDef-x.xml")
