"""Delivered restore scripts are parsed, never executed."""

import pytest

from restore.science.archive import DEMO_PRODUCTS_DIR, read_product
from restore.science.restorescript import (
    NotLiteral,
    RestoreScriptError,
    parse_restore_script,
    session_differences,
)

SEED_SCRIPT = read_product(
    DEMO_PRODUCTS_DIR, "member.uid___A001_X12a3_X80e.hifa_calimage.casa_piperestorescript.py"
).decode()
X3453 = "uid___A002_Xcf92df_X3453"


def test_seed_script_calls_in_order_and_its_helper_import():
    script = parse_restore_script(SEED_SCRIPT)
    assert [call.name for call in script.calls] == [
        "h_init",
        "hifa_importdata",
        "fixsyscaltimes",
        "h_save",
        "h_init",
        "hifa_restoredata",
        "h_save",
    ]
    assert script.imports == {"fixsyscaltimes": "recipes.almahelpers"}
    importdata, fix, restoredata = script.calls[1], script.calls[2], script.calls[5]
    assert importdata.arguments == {
        "dbservice": False,
        "bdfflags": False,
        "vis": [f"../rawdata/{X3453}"],
        "session": ["session_2"],
        "ocorr_mode": "ca",
    }
    assert (fix.arguments, fix.line) == ({"vis": f"{X3453}.ms"}, 6)
    assert restoredata.arguments == {"vis": [X3453], "session": ["session_2"], "ocorr_mode": "ca"}


def test_script_is_never_executed(tmp_path):
    marker = tmp_path / "executed"
    source = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\nhifa_restoredata(vis=['a'])\n"
    script = parse_restore_script(source)
    assert not marker.exists()
    assert [call.name for call in script.calls] == ["hifa_restoredata"]


def test_expressions_are_kept_as_source():
    (call,) = parse_restore_script("hifa_restoredata(vis=my_list + ['b'])\n").calls
    assert call.arguments["vis"] == NotLiteral("my_list + ['b']")


def test_assignment_form_and_positional_arguments():
    assert [call.name for call in parse_restore_script("context = h_init()\n").calls] == ["h_init"]
    with pytest.raises(RestoreScriptError, match="positional"):
        parse_restore_script("fixsyscaltimes('uid___A002_X1_X2.ms')\n")


def test_syntax_error_is_reported():
    with pytest.raises(RestoreScriptError, match="not valid Python"):
        parse_restore_script("hifa_restoredata(vis=[\n")


def test_session_differences_name_the_line():
    calls = parse_restore_script(SEED_SCRIPT).calls
    differences = session_differences(calls, {X3453: "session_1", "uid___A002_Xce574d_Xa33e": "session_1"})
    assert f"hifa_importdata (line 5) puts {X3453} in session_2, the plan puts it in session_1" in differences
    assert "the plan restores uid___A002_Xce574d_Xa33e, hifa_restoredata (line 9) does not" in differences
    assert session_differences(calls, {X3453: "session_2"}) == []
