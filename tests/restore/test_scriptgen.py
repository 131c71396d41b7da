"""The restore script the portal generates for the restore-script route: the delivered calls in
order, pointed at the staged data, nothing else carried over."""

import ast

import pytest

from restore.science.archive import DEMO_PRODUCTS_DIR, read_product
from restore.science.restorescript import parse_restore_script
from restore.science.scriptgen import ScriptGenerationError, confined, generate_script

SEED_NAME = "member.uid___A001_X12a3_X80e.hifa_calimage.casa_piperestorescript.py"
SEED = parse_restore_script(read_product(DEMO_PRODUCTS_DIR, SEED_NAME).decode())
PASS_EB = "uid://A002/Xcf92df/X3453"
X3453 = "uid___A002_Xcf92df_X3453"


def generate(script=SEED, dataset=(PASS_EB,), sessions=None):
    return generate_script(script, dataset, sessions or {PASS_EB: "session_2"}, source_name=SEED_NAME)


def test_the_seed_script_is_carried_over_call_for_call():
    generated = generate()
    again = parse_restore_script(generated.text)
    assert [call.name for call in again.calls] == [call.name for call in SEED.calls]
    assert again.imports == {"fixsyscaltimes": "recipes.almahelpers"}
    importdata, fix, restoredata = again.calls[1], again.calls[2], again.calls[5]
    assert importdata.arguments["vis"] == [f"../rawdata/{X3453}"] and importdata.arguments["session"] == [
        "session_2"
    ]
    assert importdata.arguments["ocorr_mode"] == "ca" and importdata.arguments["dbservice"] is False
    assert fix.arguments == {"vis": f"{X3453}.ms"}
    assert restoredata.arguments == {"vis": [X3453], "session": ["session_2"], "ocorr_mode": "ca"}
    # h_init() before, h_save() in the finally, as the pipeline writes them.
    module = ast.parse(generated.text)
    (trial,) = [node for node in module.body if isinstance(node, ast.Try)]
    assert [ast.unparse(node) for node in trial.finalbody] == ["h_save()"]


def test_vis_and_session_follow_the_plan_not_the_script():
    generated = generate(dataset=("uid://A002/Xcf92df/X3453",), sessions={PASS_EB: "session_1"})
    restoredata = parse_restore_script(generated.text).calls[5]
    assert restoredata.arguments["session"] == ["session_1"]


def test_nothing_but_the_calls_is_carried_over():
    source = (
        "import os\nos.system('rm -rf /')\nh_init()\nhifa_restoredata(vis=['a'], session=['session_1'])\n"
    )
    text = generate(parse_restore_script(source)).text
    assert "os" not in text.replace("session", "").replace("ocorr", "") and "rm -rf" not in text


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "hifa_restoredata(vis=['a'])\nfixsyscaltimes(vis='uid___A002_X1_X2.ms')\n",
            "not an MS of the staged",
        ),
        ("hifa_restoredata(vis=['a'])\nfixsyscaltimes(vis='x.ms', spw='1')\n", "no parameter spw"),
        ("hifa_restoredata(vis=['a'])\nhif_makeimages(clean_image='/etc/passwd')\n", "absolute path"),
        (
            "hifa_restoredata(vis=['a'])\nhif_makeimages(mask='../../../x')\n",
            "leaves the restore's MOUS folder",
        ),
        (
            "hifa_restoredata(vis=['a'])\ncurveball(vis='x.ms')\n",
            "neither a pipeline task nor a known helper",
        ),
        ("hifa_restoredata(vis=['a'], ocorr_mode=mode)\n", "is an expression"),
    ],
)
def test_what_cannot_be_carried_over_safely_is_refused(source, problem):
    with pytest.raises(ScriptGenerationError, match=problem):
        generate(parse_restore_script(source))


def test_paths_are_confined_to_the_mous_folder():
    assert confined("../rawdata/uid___A002_X1_X2", "x") == "../rawdata/uid___A002_X1_X2"
    assert confined("sub/../file", "x") == "sub/../file"
    for escaping in ("../../x", "/abs", "~/x", "a/../../../x"):
        with pytest.raises(ScriptGenerationError):
            confined(escaping, "x")
