"""Archive queries against the demo archive, and the connection URLs."""

import re
import sqlite3
import sys
from pathlib import Path

import pytest

from restore.science import archive

QUERIES_DOC = Path(archive.__file__).with_name("ARCHIVE_QUERIES.md")
# The ALMA archive's names, as public code that queries it uses them (ARCHIVE_QUERIES.md says where).
ALMA_COLUMNS = {
    "ASA_SCIENCE": {"MEMBER_OUSS_ID", "ASDM_UID", "PROJECT_CODE", "ASA_OUS_ID"},
    "ASA_PROJECT": {"CODE", "TITLE"},
    "ASA_PRODUCT_FILES": {"ASA_OUS_ID", "FILE_CLASS", "NGAS_FILE_ID", "STORED_SIZE"},
    "OBS_UNIT_SET_STATUS": {
        "STATUS_ENTITY_ID",
        "DOMAIN_ENTITY_ID",
        "OBS_PROJECT_ID",
        "OBS_PROJECT_STATUS_ID",
        "PARENT_OBS_UNIT_SET_STATUS_ID",
        "XML",
    },
    "SCHED_BLOCK_STATUS": {
        "STATUS_ENTITY_ID",
        "DOMAIN_ENTITY_ID",
        "DOMAIN_ENTITY_STATE",
        "PARENT_OBS_UNIT_SET_STATUS_ID",
    },
    "AQUA_EXECBLOCK": {"EXECBLOCKUID", "SCHEDBLOCKUID", "QA0STATUS", "STARTTIME", "ENDTIME"},
}

X80E = "uid://A001/X12a3/X80e"


@pytest.fixture
def connection():
    connection = archive.connect(None)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("mous", "restorable", "reason"),
    [
        (X80E, True, "pipeline calibration product"),
        ("uid://A001/X1284/X265f", True, "pipeline calibration product"),
        ("uid://A001/X1465/X1b10", False, "no calibration products"),
        ("uid://A001/X1465/X1c10", False, "calibrated manually"),
        ("uid://A001/X0000/X0", False, "no EBs"),
    ],
)
def test_can_we_restore(connection, mous, restorable, reason):
    verdict = archive.can_restore(connection, mous)
    assert verdict.restorable is restorable
    assert reason in verdict.reason


def test_manual_calibration_names_the_script(connection):
    verdict = archive.can_restore(connection, "uid://A001/X1465/X1c10")
    assert "uid___A002_Xe2a4b1_X3f0e.ms.scriptForCalibration.py" in verdict.reason


def test_parameters_are_bound_not_interpolated(connection):
    verdict = archive.can_restore(connection, f"{X80E}' OR '1'='1")
    assert not verdict.restorable


def test_the_demo_archive_has_the_alma_tables_and_names(connection):
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(ALMA_COLUMNS)
    for table, columns in ALMA_COLUMNS.items():
        assert {row[1] for row in connection.execute(f"PRAGMA table_info({table})")} == columns


def test_every_query_uses_alma_names_and_is_on_the_dba_page():
    page = QUERIES_DOC.read_text()
    known = set(ALMA_COLUMNS) | {name for columns in ALMA_COLUMNS.values() for name in columns}
    keywords = {
        "SELECT",
        "DISTINCT",
        "FROM",
        "WHERE",
        "AND",
        "IS",
        "NOT",
        "NULL",
        "ORDER",
        "BY",
        "LEFT",
        "JOIN",
    }
    keywords |= {"ON", "IN", "LIKE", "COUNT"}
    for name, sql in archive.QUERIES.items():
        assert f"```sql\n{sql}\n```" in page, f"query {name} is not on ARCHIVE_QUERIES.md as it runs"
        words = set(re.findall(r"\b[A-Z][A-Z0-9_]+\b", re.sub(r"'[^']*'|:\w+|\{\w+\}", "", sql)))
        assert words - keywords <= known, f"{name} names {sorted(words - keywords - known)}"
    assert "PROJECT_CODE FROM ASA_PROJECT" not in page and "ASA_PROJECT.PROJECT_CODE" not in " ".join(
        archive.QUERIES.values()
    )


def test_seed_mous_metadata(connection):
    metadata = archive.fetch_mous_metadata(connection, X80E)
    assert metadata.project_code == "2017.1.01347.S"
    assert (metadata.sous_uid, metadata.gous_uid) == ("uid://A001/X12a3/X80c", "uid://A001/X12a3/X80d")
    assert (metadata.obs_project_uid, metadata.obs_project_part_id) == ("uid://A001/X1221/Xdf8", "X659301709")
    assert metadata.project_status_uid == "uid://A001/X1221/Xdfc"
    assert (metadata.sched_block_uid, metadata.sb_status_uid) == (
        "uid://A001/X12a3/X804",
        "uid://A001/X12a3/X80f",
    )
    assert metadata.execblocks == ("uid://A002/Xce574d/Xa33e", "uid://A002/Xcf92df/X3453")
    assert [(row.eb_uid, row.qa0_status, row.sched_block_uid) for row in metadata.aqua] == [
        ("uid://A002/Xce574d/Xa33e", "SemiPass", "uid://A001/X12a3/X804"),
        ("uid://A002/Xcf92df/X3453", "Pass", "uid://A001/X12a3/X804"),
    ]
    assert len(metadata.product_files) == 10
    caltables = {p.ngas_file_id: p for p in metadata.product_files}[
        "member.uid___A001_X12a3_X80e.session_2.caltables.tgz"
    ]
    assert caltables.stored_size == (archive.DEMO_PRODUCTS_DIR / caltables.ngas_file_id).stat().st_size


def test_seed_mous_x265f_has_four_ebs(connection):
    metadata = archive.fetch_mous_metadata(connection, "uid://A001/X1284/X265f")
    assert set(metadata.execblocks) == {
        "uid://A002/Xc7111c/X86a7",
        "uid://A002/Xc7111c/X409e",
        "uid://A002/Xc72427/X2dfe",
        "uid://A002/Xc7111c/X3979",
    }


def test_unknown_mous_is_an_archive_error(connection):
    with pytest.raises(archive.ArchiveError, match="expected exactly one project"):
        archive.fetch_mous_metadata(connection, "uid://A001/X0000/X0")


def test_sched_block_chosen_by_state():
    candidates = [("sb1", "st1", "Deleted"), ("sb2", "st2", "FullyObserved")]
    assert archive.choose_sched_block(candidates) == ("sb2", "st2")
    with pytest.raises(archive.ArchiveError, match="cannot choose"):
        archive.choose_sched_block([("sb1", "st1", "FullyObserved"), ("sb2", "st2", "FullyObserved")])


def test_manifest_preference_follows_restoredata():
    files = [
        archive.ProductFile(name, "script")
        for name in ("a.pipeline_manifest.xml", "b.cal.pipeline_manifest.xml")
    ]
    assert (
        archive.product_file_named(files, "pipeline_manifest.xml", prefer="cal")
        == "b.cal.pipeline_manifest.xml"
    )
    assert archive.product_file_named(files, "casa_piperestorescript.py") is None


def test_sqlite_file_archive_is_opened_read_only(tmp_path):
    path = tmp_path / "archive.db"
    with sqlite3.connect(path) as writable:
        writable.executescript(archive.DEMO_ARCHIVE_SQL.read_text())
    writable.close()
    connection = archive.connect(f"sqlite:///{path}")
    assert archive.can_restore(connection, X80E).restorable
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM ASA_SCIENCE")
    connection.close()


def test_missing_sqlite_file(tmp_path):
    with pytest.raises(archive.ArchiveError, match="does not exist"):
        archive.connect(f"sqlite:///{tmp_path / 'absent.db'}")


def test_oracle_without_driver_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "oracledb", None)  # makes `import oracledb` raise ImportError
    with pytest.raises(archive.ArchiveError, match="pip install oracledb"):
        archive.connect("oracle://user:secret@db.example.org:1521/ALMA")


def test_unsupported_url():
    with pytest.raises(archive.ArchiveError, match="unsupported archive URL"):
        archive.connect("postgresql://localhost/alma")


def test_product_store_refuses_paths(tmp_path):
    with pytest.raises(ValueError, match="path separator"):
        archive.read_product(tmp_path, "../etc/passwd")
