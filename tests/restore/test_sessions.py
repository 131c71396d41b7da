"""Sessions from the OUSStatus XML, the AQUA cross-check, and the safe XML parser."""

from datetime import datetime

import pytest

from l2portal.xmlsafe import UnsafeXMLError, parse_untrusted_xml
from restore.science import archive
from restore.science.manifest import parse_manifest
from restore.science.ppr import read_ppr
from restore.science.sessions import AquaExecBlock, OusStatusError, cross_check_sessions, parse_ous_status

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


SB = "uid://A001/X12a3/X804"


def aqua(eb, start, end, qa0="Pass", sb=SB):
    return AquaExecBlock(eb, sb, qa0, datetime.fromisoformat(start), datetime.fromisoformat(end))


def seed_status():
    return parse_ous_status(ous_status_xml(X80E))


def test_session_times_are_read():
    assert seed_status().session_times == (
        ("2018-06-06 12:41:10.826", "2018-06-06 13:07:22.036"),
        ("2018-07-10 10:34:32.962", "2018-07-10 11:00:46.858"),
    )


def test_agreeing_sources_give_no_warning():
    rows = [
        aqua(SEMIPASS_EB, "2018-06-06 12:45:00", "2018-06-06 13:00:00", "SemiPass"),
        aqua(PASS_EB, "2018-07-10 10:40:00", "2018-07-10 10:59:00"),
    ]
    assert cross_check_sessions(seed_status(), rows, SB) == []


def test_disagreements_are_returned_as_warnings():
    rows = [
        aqua(
            SEMIPASS_EB, "2018-07-10 10:40:00", "2018-07-10 10:50:00", "SemiPass"
        ),  # ran in session 2's time
        aqua("uid://A002/X1/X2", "2018-07-10 10:50:00", "2018-07-10 10:55:00", sb="uid://A001/X9/X9"),
    ]
    warnings = cross_check_sessions(seed_status(), rows, SB)
    assert f"{PASS_EB} is in the OUSStatus XML but has no AQUA_EXECBLOCK row" in warnings
    assert "uid://A002/X1/X2 has an AQUA_EXECBLOCK row but is in no OUSStatus session" in warnings
    assert (
        f"{SEMIPASS_EB} ran 2018-07-10 10:40:00 to 10:50:00 (AQUA), outside OUSStatus session_1 "
        "(2018-06-06 12:41:10 to 13:07:22)"
    ) in warnings


def test_an_eb_of_another_sb_and_sessions_out_of_order_are_warned_about():
    status = seed_status()
    reversed_status = status.__class__(**{**status.__dict__, "session_times": status.session_times[::-1]})
    rows = [aqua(PASS_EB, "2018-07-10 10:40:00", "2018-07-10 10:59:00", sb="uid://A001/X9/X9")]
    warnings = cross_check_sessions(reversed_status, rows, SB)
    assert f"{PASS_EB} ran under SB uid://A001/X9/X9, not {SB}" in warnings
    assert any("not in time order" in warning for warning in warnings)


def test_an_empty_exec_block_id_is_a_clear_error():
    document = ous_status_xml(X80E).replace(
        "<val:ExecBlockId>uid://A002/Xcf92df/X3453</val:ExecBlockId>", "<val:ExecBlockId/>"
    )
    with pytest.raises(OusStatusError, match="session 2 has an empty ExecBlockId"):
        parse_ous_status(document)


def test_an_external_doctype_is_tolerated_only_where_asked_and_never_read():
    document = (
        b'<?xml version="1.0" ?>\n<!DOCTYPE NgamsStatus SYSTEM "http://127.0.0.1:9/ngamsStatus.dtd">\n'
        b"<NgamsStatus><Status/></NgamsStatus>"
    )
    assert parse_untrusted_xml(document, external_doctype="NgamsStatus").tag == "NgamsStatus"
    with pytest.raises(UnsafeXMLError, match="DTD"):
        parse_untrusted_xml(document)
    with pytest.raises(UnsafeXMLError, match="DTD"):
        parse_untrusted_xml(
            document.replace(b"NgamsStatus SYSTEM", b"Other SYSTEM"), external_doctype="NgamsStatus"
        )
    smuggled = document.replace(b'ngamsStatus.dtd">', b'ngamsStatus.dtd" [<!ENTITY e "x">]>')
    with pytest.raises(UnsafeXMLError, match="DTD"):
        parse_untrusted_xml(smuggled, external_doctype="NgamsStatus")


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
