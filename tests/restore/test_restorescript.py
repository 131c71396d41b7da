"""Delivered restore scripts are parsed, never executed."""

import pytest

from restore.archive import DEMO_PRODUCTS_DIR, read_product
from restore.restorescript import (
    NotLiteral,
    RestoreScriptError,
    TaskCall,
    diff_against_plan,
    parse_restore_script,
    procedure_commands,
    without_dataset_arguments,
)

SEED_SCRIPT = read_product(
    DEMO_PRODUCTS_DIR, "member.uid___A001_X12a3_X80e.hifa_calimage.casa_piperestorescript.py"
).decode()
X3453 = "uid___A002_Xcf92df_X3453"


def test_seed_script_calls_in_order():
    calls = parse_restore_script(SEED_SCRIPT)
    assert [call.name for call in calls] == [
        "h_init",
        "hifa_importdata",
        "fixsyscaltimes",
        "h_save",
        "h_init",
        "hifa_restoredata",
        "h_save",
    ]
    importdata, fix, restoredata = calls[1], calls[2], calls[5]
    assert importdata.arguments == {
        "dbservice": False,
        "bdfflags": False,
        "vis": [f"../rawdata/{X3453}"],
        "session": ["session_2"],
        "ocorr_mode": "ca",
    }
    assert fix.arguments == {"vis": f"{X3453}.ms"}
    assert restoredata.arguments == {"vis": [X3453], "session": ["session_2"], "ocorr_mode": "ca"}


def test_outer_frame_is_dropped_inner_weblog_restart_kept():
    names = [call.name for call in procedure_commands(parse_restore_script(SEED_SCRIPT))]
    assert names == ["hifa_importdata", "fixsyscaltimes", "h_save", "h_init", "hifa_restoredata"]


def test_script_is_never_executed(tmp_path):
    marker = tmp_path / "executed"
    source = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\nhifa_restoredata(vis=['a'])\n"
    calls = parse_restore_script(source)
    assert not marker.exists()
    assert [call.name for call in calls] == ["hifa_restoredata"]


def test_expressions_are_kept_as_source():
    (call,) = parse_restore_script("hifa_restoredata(vis=my_list + ['b'])\n")
    assert call.arguments["vis"] == NotLiteral("my_list + ['b']")


def test_assignment_form_and_positional_arguments():
    assert [call.name for call in parse_restore_script("context = h_init()\n")] == ["h_init"]
    with pytest.raises(RestoreScriptError, match="positional"):
        parse_restore_script("fixsyscaltimes('uid___A002_X1_X2.ms')\n")


def test_syntax_error_is_reported():
    with pytest.raises(RestoreScriptError, match="not valid Python"):
        parse_restore_script("hifa_restoredata(vis=[\n")


def test_diff_against_plan_shows_dataset_and_procedure_differences():
    calls = parse_restore_script(SEED_SCRIPT)
    plan_without_fixes = [TaskCall("hifa_restoredata", {"ocorr_mode": "ca"}, 0)]
    differences = diff_against_plan(
        calls, {X3453: "session_1", "uid___A002_Xce574d_Xa33e": "session_1"}, plan_without_fixes
    )
    assert f"hifa_importdata (line 5) puts {X3453} in session_2, the PPR puts it in session_1" in differences
    assert "the PPR DataSet holds uid___A002_Xce574d_Xa33e, hifa_restoredata (line 9) does not" in differences
    assert any(line.startswith("script runs hifa_importdata, fixsyscaltimes") for line in differences)


def test_diff_is_empty_when_the_plan_follows_the_script():
    calls = parse_restore_script(SEED_SCRIPT)
    procedure = [without_dataset_arguments(call) for call in procedure_commands(calls)]
    assert diff_against_plan(calls, {X3453: "session_2"}, procedure) == []


def test_argument_differences_are_shown():
    calls = parse_restore_script("hifa_restoredata(vis=['a'], session=['session_1'], ocorr_mode='ao')\n")
    differences = diff_against_plan(
        calls, {"a": "session_1"}, [TaskCall("hifa_restoredata", {"ocorr_mode": "ca"}, 0)]
    )
    assert differences == [
        "hifa_restoredata: script arguments {'ocorr_mode': 'ao'}, PPR parameters {'ocorr_mode': 'ca'}"
    ]
