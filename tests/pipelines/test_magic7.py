import gzip

import numpy as np
import pytest

from pipelines.science import magic7, orbitgen

ATT_LINE = (
    "2011-05-17 20:24:18.162893 ATT 327356660 0 -0.86535984986324355 -0.484184423962153 "
    "0.1283291758458863 0.015792291278282817 -0.000625 -0.000305 0.000382"
)
ORB_LINE = (
    "2011-05-17 20:24:18.802688 ORB 327356660 600000 -5370938.500000 -3205384.750000 "
    "-2962296.750000 4033.914551 -6424.294434 -373.355499 5 0"
)
ATT_LATER = ATT_LINE.replace("327356660 0 ", "327356661 0 ")
ORB_LATER = ORB_LINE.replace("327356660 600000", "327356661 600000").replace(" 5 0", " 5 1")


def parse(lines):
    return magic7.parse_magic7(("\n".join(lines) + "\n").encode())


def test_real_lines_are_read_with_their_values():
    data = parse([ATT_LINE, ORB_LINE])
    assert data.report.problems == ()
    assert data.att_met.tolist() == [327356660.0]
    assert data.orb_met.tolist() == [327356660.6]
    q = np.array([-0.86535984986324355, -0.484184423962153, 0.1283291758458863, 0.015792291278282817])
    # The pandas C float parser is exact to within an ulp or two.
    np.testing.assert_allclose(data.att_quaternion[0], q / np.linalg.norm(q), rtol=1e-14)
    np.testing.assert_array_equal(data.att_rate[0], [-0.000625, -0.000305, 0.000382])
    np.testing.assert_array_equal(data.orb_position[0], [-5370938.5, -3205384.75, -2962296.75])
    np.testing.assert_array_equal(data.orb_velocity[0], [4033.914551, -6424.294434, -373.355499])
    assert data.orb_mode.tolist() == [5]
    assert data.orb_in_saa.tolist() == [False]


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        (ATT_LATER.rsplit(" ", 1)[0], magic7.WRONG_FIELD_COUNT),  # ATT with 11 fields
        (ORB_LATER.rsplit(" ", 1)[0], magic7.WRONG_FIELD_COUNT),  # ORB with 12 fields
        (ATT_LATER + " 0.1", magic7.WRONG_FIELD_COUNT),  # ATT with 13 fields
        (ORB_LATER + " 1 2", magic7.WRONG_FIELD_COUNT),  # too many fields for any record
        ("", magic7.WRONG_FIELD_COUNT),  # blank line
        (ATT_LATER.replace("-0.000305", "abc"), magic7.NOT_A_NUMBER),
        (ORB_LATER.replace("4033.914551", "nan"), magic7.NOT_A_NUMBER),
        (ATT_LATER.replace(" ATT ", " XYZ "), magic7.UNKNOWN_TYPE),
        (ATT_LATER.replace("327356661 0 ", "327356661 1000000 "), magic7.BAD_TIME_FIELDS),
        (ATT_LATER.replace("327356661 0 ", "327356661.5 0 "), magic7.BAD_TIME_FIELDS),
        (ATT_LATER.replace("-0.86535984986324355", "0.5"), magic7.BAD_QUATERNION),
        (ORB_LATER.replace(" 5 1", " 5 2"), magic7.BAD_FLAG),
        (ATT_LINE, magic7.DUPLICATE_TIME),
        (ORB_LINE, magic7.DUPLICATE_TIME),
        (ATT_LINE.replace("327356660 0 ", "327356659 0 "), magic7.TIME_BACKWARDS),
        (ORB_LINE.replace("327356660 600000", "327356660 500000"), magic7.TIME_BACKWARDS),
    ],
)
def test_each_malformed_kind_is_reported_with_its_line_number(bad_line, reason):
    data = parse([ATT_LINE, ORB_LINE, bad_line, ATT_LATER, ORB_LATER])
    assert data.report.problems == (magic7.Problem(3, reason),)
    assert data.report.counts == {reason: 1}
    assert data.att_met.tolist() == [327356660.0, 327356661.0]
    assert data.orb_met.tolist() == [327356660.6, 327356661.6]
    assert data.report.total_lines == 5


def test_generated_malformed_lines_are_all_found(tmp_path):
    path = tmp_path / "bad.magic7"
    injected = orbitgen.write_magic7(path, 545208791.0, 545209391.0, seed=3, malformed_per_kind=2)
    report = magic7.read_magic7(path).report
    expected = {
        "field_count": magic7.WRONG_FIELD_COUNT,
        "non_number": magic7.NOT_A_NUMBER,
        "backwards": magic7.TIME_BACKWARDS,
        "duplicate": magic7.DUPLICATE_TIME,
    }
    found = {(problem.line, problem.reason) for problem in report.problems}
    assert found == {(line, expected[kind]) for kind, lines in injected.items() for line in lines}
    assert "8 rejected" in report.summary()


def test_gzip_input_gives_the_same_result(tmp_path):
    lines = orbitgen.magic7_lines(545208791.0, 545208851.0, seed=1)
    text = ("\n".join(lines) + "\n").encode()
    plain, packed = tmp_path / "a.txt", tmp_path / "a.txt.gz"
    plain.write_bytes(text)
    packed.write_bytes(gzip.compress(text))
    a, b = magic7.read_magic7(plain), magic7.read_magic7(packed)
    np.testing.assert_array_equal(a.att_quaternion, b.att_quaternion)
    np.testing.assert_array_equal(a.orb_position, b.orb_position)
    assert a.report == b.report


def test_missing_final_newline_and_crlf_are_accepted():
    data = magic7.parse_magic7(f"{ATT_LINE}\r\n{ORB_LINE}".encode())
    assert data.report.problems == ()
    assert len(data.att_met) == len(data.orb_met) == 1


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    with pytest.raises(magic7.Magic7Error, match="empty"):
        magic7.read_magic7(path)


def test_file_without_orb_records_is_an_error():
    with pytest.raises(magic7.Magic7Error, match="no usable ORB"):
        parse([ATT_LINE, ATT_LATER])


def test_file_without_usable_att_records_is_an_error():
    with pytest.raises(magic7.Magic7Error, match=r"no usable ATT.*non-numeric field: 1"):
        parse([ATT_LINE.replace("0.000382", "x"), ORB_LINE])


def test_garbage_only_file_is_an_error_listing_the_lines():
    with pytest.raises(magic7.Magic7Error, match="wrong field count: 2"):
        parse(["hello world", "x"])


def generated(start=545208791.0, stop=545208851.0, seed=1):
    return orbitgen.magic7_lines(start, stop, seed=seed)


def seconds_of(line):
    return int(line.split(" ")[3])


def corrupt(lines, index, old, new):
    lines = list(lines)
    assert old in lines[index]
    lines[index] = lines[index].replace(old, new, 1)
    return lines


def test_a_record_far_in_the_future_is_rejected_alone():
    lines = generated()
    att = [i for i, line in enumerate(lines) if " ATT " in line]
    target = att[100]
    seconds = lines[target].split(" ")[3]
    data = parse(corrupt(lines, target, f" {seconds} ", f" 9{seconds[1:]} "))
    assert data.report.problems == (magic7.Problem(target + 1, magic7.OUT_OF_SEQUENCE),)
    clean = parse(lines)
    assert len(data.att_met) == len(clean.att_met) - 1
    np.testing.assert_array_equal(np.delete(clean.att_met, 100), data.att_met)
    np.testing.assert_array_equal(clean.orb_met, data.orb_met)


def test_a_record_far_in_the_past_and_a_burst_of_bad_times_are_rejected_record_by_record():
    lines = generated()
    orb = [i for i, line in enumerate(lines) if " ORB " in line]
    past = corrupt(lines, orb[20], " 5452088", " 1452088")
    burst = past
    for k in (30, 31, 32):
        burst = corrupt(burst, orb[k], " 5452088", " 9452088")
    data = parse(burst)
    assert data.report.problems == (
        magic7.Problem(orb[20] + 1, magic7.TIME_BACKWARDS),
        *(magic7.Problem(orb[k] + 1, magic7.OUT_OF_SEQUENCE) for k in (30, 31, 32)),
    )
    assert len(data.orb_met) == len(parse(lines).orb_met) - 4
    assert np.all(np.diff(data.orb_met) > 0)


def test_a_line_that_is_not_utf8_is_rejected_alone():
    lines = [line.encode() for line in generated()]
    lines[200] = lines[200][:30] + b"\xff\xfe" + lines[200][32:]
    data = magic7.parse_magic7(b"\n".join(lines) + b"\n")
    assert data.report.problems == (magic7.Problem(201, magic7.NOT_UTF8),)
    assert data.report.att_records + data.report.orb_records == len(lines) - 1


def test_the_report_names_the_largest_gap():
    lines = [
        line for line in generated() if not (" ORB " in line and 545208800 <= seconds_of(line) < 545208811)
    ]
    report = parse(lines).report
    assert report.largest_gap.kind == "ORB"
    assert report.largest_gap.seconds == pytest.approx(12.0)
    assert "largest gap 12.000 s (ORB after MET 545208799.600000" in report.summary()


def test_a_file_beyond_its_limits_is_refused_with_the_numbers(tmp_path):
    lines = generated()
    path = tmp_path / "bad.magic7"
    bad = lines[:100] + ["x"] * 5 + lines[100:]
    path.write_text("\n".join(bad) + "\n")
    with pytest.raises(magic7.Magic7Error, match=r"5 of 425 lines rejected \(1\.18%, limit 1\.00%\)"):
        magic7.read_magic7(path)
    assert len(magic7.read_magic7(path, magic7.Magic7Limits(max_rejected_share=0.02)).att_met) == 350

    gap = [line for line in lines if not 545208800 <= seconds_of(line) < 545208830]
    path.write_text("\n".join(gap) + "\n")
    with pytest.raises(
        magic7.Magic7Error, match=r"ORB records stop for 31\.000 s after MET 545208799\.600000 \(limit 30 s\)"
    ):
        magic7.read_magic7(path, magic7.Magic7Limits(max_gap_seconds=30.0))
    assert magic7.read_magic7(path, magic7.Magic7Limits(max_gap_seconds=None)).report.largest_gap.seconds > 30
