"""The pipeline manifest decides what restoredata can restore."""

import pytest

from restore.science.archive import DEMO_PRODUCTS_DIR, read_product
from restore.science.manifest import parse_manifest, strip_ms_suffix


def demo_manifest(mous_disk_name):
    return parse_manifest(
        read_product(DEMO_PRODUCTS_DIR, f"member.{mous_disk_name}.calimage.pipeline_manifest.xml")
    )


def test_seed_manifest_names_only_the_pass_eb_in_session_2():
    manifest = demo_manifest("uid___A001_X12a3_X80e")
    assert manifest.ous_name == "uid___A001_X12a3_X80e"
    assert [(session.name, session.asdms) for session in manifest.sessions] == [
        ("session_2", ("uid___A002_Xcf92df_X3453",))
    ]
    assert manifest.session_of("uid___A002_Xcf92df_X3453") == "session_2"
    assert manifest.session_of("uid___A002_Xce574d_Xa33e") is None
    assert manifest.procedure_name == "hifa_calimage"
    assert manifest.restore_script == "member.uid___A001_X12a3_X80e.hifa_calimage.casa_piperestorescript.py"
    assert "uid___A002_Xcf92df_X3453.ms.flagversions.tgz" in manifest.product_files
    assert manifest.sessions[0].caltables == "member.uid___A001_X12a3_X80e.session_2.caltables.tgz"


def test_manifest_with_several_sessions():
    manifest = demo_manifest("uid___A001_X1465_X1a2c")
    assert [session.name for session in manifest.sessions] == ["session_1", "session_2", "session_3"]
    assert sum(len(session.asdms) for session in manifest.sessions) == 5


@pytest.mark.parametrize(
    ("name", "asdm"),
    [
        ("uid___A002_Xcf92df_X3453.ms", "uid___A002_Xcf92df_X3453"),
        ("uid___A002_Xcf92df_X3453_target.ms", "uid___A002_Xcf92df_X3453"),
        ("uid___A002_Xcf92df_X3453_cont.ms", "uid___A002_Xcf92df_X3453"),
        ("uid___A002_Xcf92df_X3453", "uid___A002_Xcf92df_X3453"),
    ],
)
def test_ms_suffixes_are_stripped_like_the_pipeline(name, asdm):
    assert strip_ms_suffix(name) == asdm


def test_not_a_manifest():
    with pytest.raises(ValueError, match="piperesults"):
        parse_manifest("<SciPipeRequest/>")
    with pytest.raises(ValueError, match="no <ous>"):
        parse_manifest("<piperesults/>")
