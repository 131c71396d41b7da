"""The raw chunk format: what the simulator writes decodes back; a damaged chunk is refused with
what is wrong and what to do."""

import numpy as np
import pytest

from pipelines.science import rawchunk
from pipelines.standins.downlinksim import Timeline, simulate_events


def test_records_round_trip_and_become_ft1_rows():
    records = simulate_events(Timeline(downlinks=1, downlink_seconds=60.0), seed=2)
    decoded = rawchunk.decode(rawchunk.encode(230401001, 7, records), "chunk")
    assert (decoded.downlink_id, decoded.chunk) == (230401001, 7)
    assert decoded.records.tobytes() == records.tobytes()
    rows = rawchunk.to_ft1(decoded.records)
    assert np.array_equal(rows["TIME"], records["TIME"])
    assert np.array_equal(rows["CONVERSION_TYPE"], records["FLAGS"] & 1)


def test_a_flipped_byte_fails_the_crc():
    raw = bytearray(rawchunk.encode(1, 1, simulate_events(Timeline(downlinks=1, downlink_seconds=30.0))))
    raw[rawchunk.HEADER.size + 3] ^= 0x01
    with pytest.raises(rawchunk.RawChunkError, match=r"c\.chunk is corrupt: CRC-32 .* fetch the chunk again"):
        rawchunk.decode(bytes(raw), "c.chunk")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda raw: raw[:-5], "truncated or padded"),
        (lambda raw: b"XXXX" + raw[4:], "not a version-1 raw chunk"),
        (lambda raw: raw[:10], "shorter than the 32-byte header"),
    ],
)
def test_damaged_chunks_are_refused(damage, message):
    raw = rawchunk.encode(1, 1, simulate_events(Timeline(downlinks=1, downlink_seconds=30.0)))
    with pytest.raises(rawchunk.RawChunkError, match=message):
        rawchunk.decode(damage(raw), "c.chunk")


def test_event_ids_beyond_the_ft1_range_are_refused():
    records = simulate_events(Timeline(downlinks=1, downlink_seconds=30.0))
    records["EVENT_ID"][0] = 2**31
    with pytest.raises(rawchunk.RawChunkError, match="exceeds 2147483647"):
        rawchunk.decode(rawchunk.encode(1, 1, records), "c.chunk")
