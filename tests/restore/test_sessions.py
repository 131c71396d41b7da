"""Sessions from the OUSStatus XML, the AQUA cross-check, and the safe XML parser."""

import pytest

from restore import archive
from restore.manifest import parse_manifest
from restore.ppr import read_ppr
from restore.sessions import (
    AquaExecBlock,
    UnsafeXMLError,
    cross_check_sessions,
    parse_ous_status,
    parse_untrusted_xml,
    sessions_from_aqua,
)

X80E = "uid://A001/X12a3/X80e"
SEMIPASS_EB = "uid://A002/Xce574d/Xa33e"
PASS_EB = "uid://A002/Xcf92df/X3453"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE piperesults [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>
<piperesults name="x"><ous name="&passwd;"/></piperesults>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE SciPipeRequest SYSTEM "http://example.invalid/ppr.dtd">
<SciPipeRequest/>"""


def ous_status_xml(mous: str) -> str:
    connection = archive.connect(None)
    rows = connection.execute("SELECT XML FROM OBS_UNIT_SET_STATUS WHERE STATUS_ENTITY_ID = ?", (mous,))
    return rows.fetchone()[0]


def test_seed_ous_status_has_two_sessions_in_document_order():
    status = parse_ous_status(ous_status_xml(X80E))
    assert status.sessions == ((SEMIPASS_EB,), (PASS_EB,))
    assert status.ous_status_uid == X80E
    assert status.containing_ous_status_uid == "uid://A001/X12a3/X80d"
    assert status.project_status_uid == "uid://A001/X1221/Xdfc"
    assert (status.obs_unit_set_uid, status.obs_unit_set_part_id) == ("uid://A001/X1221/Xdf8", "X659301709")
    assert status.sb_status_uids == ("uid://A001/X12a3/X80f",)


def test_seed_xml_was_cleaned_of_non_breaking_spaces():
    assert "\u00a0" not in ous_status_xml(X80E)


def test_several_sessions_with_several_ebs_each():
    status = parse_ous_status(ous_status_xml("uid://A001/X1465/X1a2c"))
    assert [len(session) for session in status.sessions] == [2, 1, 2]


def test_namespace_prefixes_do_not_matter():
    xml = ous_status_xml(X80E).replace("ouss:", "o:").replace("xmlns:ouss=", "xmlns:o=")
    assert parse_ous_status(xml).sessions == ((SEMIPASS_EB,), (PASS_EB,))


def test_other_documents_are_refused():
    with pytest.raises(ValueError, match="OUSStatus"):
        parse_ous_status("<OUSStatus/>")


def aqua(eb, session, end, qa0="Pass"):
    return AquaExecBlock(eb, session, qa0, end)


def test_aqua_sessions_are_ordered_by_end_time():
    rows = [aqua("B", "2", "2018-07-10"), aqua("A", "1", "2018-06-06"), aqua("C", "2", "2018-07-10")]
    assert sessions_from_aqua(rows) == [("A",), ("B", "C")]


def test_agreeing_sources_give_no_warning():
    rows = [aqua(SEMIPASS_EB, "1001", "2018-06-06", "SemiPass"), aqua(PASS_EB, "1002", "2018-07-10")]
    assert cross_check_sessions([(SEMIPASS_EB,), (PASS_EB,)], rows) == []


def test_disagreements_are_returned_as_warnings():
    rows = [aqua("A", "1", "2019-01-01"), aqua("B", "1", "2019-01-01"), aqua("D", "2", "2019-02-01")]
    warnings = cross_check_sessions([("A",), ("B", "C")], rows)
    assert "C is in the OUSStatus XML but has no AQUA_EXECBLOCK row" in warnings
    assert "D has an AQUA_EXECBLOCK row but is in no OUSStatus session" in warnings
    assert "session_1: OUSStatus XML has A, AQUA (by session end time) has A | B" in warnings
    assert any(warning.startswith("session_2:") for warning in warnings)


def test_session_count_mismatch_and_missing_session():
    warnings = cross_check_sessions([("A", "B")], [aqua("A", "1", "x"), aqua("B", None, None)])
    assert "B has no AQUA session" in warnings


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_hostile_xml_is_rejected(document):
    with pytest.raises(UnsafeXMLError, match="DTD"):
        parse_untrusted_xml(document)


@pytest.mark.parametrize("reader", [parse_ous_status, parse_manifest, read_ppr])
def test_every_reader_rejects_entities(reader):
    with pytest.raises(UnsafeXMLError):
        reader(EXTERNAL_ENTITY)
    with pytest.raises(UnsafeXMLError):
        reader(BILLION_LAUGHS)


def test_external_entity_content_never_appears(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY s SYSTEM "{secret.as_uri()}">]><a>&s;</a>'
    ).encode()
    with pytest.raises(UnsafeXMLError) as caught:
        parse_untrusted_xml(document)
    assert "TOP-SECRET" not in str(caught.value)


def test_malformed_xml_gets_a_clear_error():
    with pytest.raises(UnsafeXMLError, match="not well-formed"):
        parse_untrusted_xml(b"<a><b></a>", "OUSStatus XML")


def test_utf16_document_with_a_dtd_is_rejected_after_parsing():
    document = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    with pytest.raises(UnsafeXMLError, match="DTD"):
        parse_untrusted_xml(document.encode("utf-16"))
