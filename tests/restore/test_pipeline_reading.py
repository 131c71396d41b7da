"""Held to the pipeline's own rules: the PPR built for the seed MOUS X80e, read the way
pipeline/infrastructure/executeppr.py reads a PPR (its _getFirstRequest, _getIntents, _getSessions,
_getCommands, _getAsdmList and session assignment, transcribed below from the public code, without
the portal's reader), names only pipeline tasks and restores uid___A002_Xcf92df_X3453 as session_2;
X80e itself takes the restore-script route because of fixsyscaltimes, and the generated script calls
what the delivered one calls, in order."""

import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

import pytest

from restore.science import archive
from restore.science.pipeline_tasks import TASKS_BY_PACKAGE
from restore.science.plan import PPR_ROUTE, SCRIPT_ROUTE, load_plan, read_folder
from restore.science.ppr import build_ppr
from restore.science.restorescript import parse_restore_script
from restore.science.scriptgen import generate_script

X80E = "uid://A001/X12a3/X80e"
SCRIPT_NAME = "member.uid___A001_X12a3_X80e.hifa_calimage.casa_piperestorescript.py"


def _value(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def executeppr_read(ppr: bytes):
    """(relativePath, intentsDict, commandsList, [(asdm name, session)]) as executeppr gets them."""
    request = ElementTree.fromstring(ppr).find("ProcessingRequests/ProcessingRequest")  # the first one
    intents = {}
    for intent in request.iterfind("ProcessingIntents/Intents"):
        intents[_value(intent.find("Keyword"))] = _value(intent.find("Value"))  # missing Value -> ""
    commands = [
        (
            _value(command.find("Command")),
            {
                _value(p.find("Keyword")): _value(p.find("Value"))
                for p in command.iterfind("ParameterSet/Parameter")
            },
        )
        for command in request.iterfind("ProcessingProcedure/ProcessingCommand")
    ]
    identifier = request.find("DataSet/SchedBlockSet/SchedBlockIdentifier")  # the first set
    relative_path = _value(identifier.find("RelativePath"))
    # _getSessions: SESSION_1, SESSION_2, ... until the first missing number.
    sessions, ptr = {}, 1
    while f"SESSION_{ptr}" in intents:
        names = intents[f"SESSION_{ptr}"].split(" | ")
        sessions[f"SESSION_{ptr}"] = [name.translate(str.maketrans(":/", "__")) for name in names]
        ptr += 1

    def sanitize_for_ms(name: str) -> str:
        for ending in ("_target.ms", "_cont.ms", ".ms"):
            if name.endswith(ending):
                return sanitize_for_ms(name[: -len(ending)])
        return name

    asdms = []
    for asdm in identifier.iterfind("AsdmIdentifier"):
        name = _value(asdm.find("AsdmDiskName"))
        session = "session_1"  # defsession
        for key, value in sessions.items():
            if sanitize_for_ms(name) in value:
                session = key.lower()
                break
        asdms.append((name, session))
    return relative_path, intents, commands, asdms


def pipeline_cli_globals() -> set[str]:
    """What ``from .<package>.cli import *`` puts in pipeline/cli.py for every task package."""
    return {name for names in TASKS_BY_PACKAGE.values() for name in names}


@pytest.fixture(scope="module")
def x80e():
    connection = archive.connect(None)
    try:
        yield {
            route: load_plan(
                connection, X80E, read_folder(archive.DEMO_PRODUCTS_DIR), force_ppr=route == PPR_ROUTE
            )
            for route in (SCRIPT_ROUTE, PPR_ROUTE)
        }
    finally:
        connection.close()


@pytest.mark.parametrize("route", [SCRIPT_ROUTE, PPR_ROUTE])
def test_the_x80e_ppr_names_only_pipeline_tasks_and_restores_x3453_as_session_2(x80e, route):
    ppr = build_ppr(x80e[route], root_directory="/restores", creation_time=datetime(2018, 8, 7, tzinfo=UTC))
    relative_path, intents, commands, asdms = executeppr_read(ppr)
    names = [name for name, _ in commands]
    assert names and all(name in pipeline_cli_globals() for name in names), names
    assert "fixsyscaltimes" not in names
    assert asdms == [("uid___A002_Xcf92df_X3453", "session_2")]
    assert intents["SESSION_2"] == "uid://A002/Xcf92df/X3453"
    assert relative_path.endswith("MOUS_uid___A001_X12a3_X80e")


def test_x80e_takes_the_restore_script_route_because_of_fixsyscaltimes(x80e):
    plan = x80e[SCRIPT_ROUTE]
    assert plan.route == SCRIPT_ROUTE
    assert "fixsyscaltimes (line 6)" in plan.route_reason and "not a pipeline task" in plan.route_reason
    assert "fixsyscaltimes" not in pipeline_cli_globals()
    forced = x80e[PPR_ROUTE]
    assert forced.route == PPR_ROUTE and forced.forced_ppr
    assert [call.name for call in forced.left_out] == ["fixsyscaltimes"]


def test_the_generated_script_calls_what_the_delivered_one_calls_in_order(x80e):
    plan = x80e[SCRIPT_ROUTE]
    delivered = parse_restore_script(archive.read_product(archive.DEMO_PRODUCTS_DIR, SCRIPT_NAME).decode())
    generated = generate_script(plan.script, plan.dataset, plan.ppr_session_of, source_name=SCRIPT_NAME)
    assert [call.name for call in parse_restore_script(generated.text).calls] == [
        call.name for call in delivered.calls
    ]
    assert [call.name for call in plan.script_calls] == [call.name for call in delivered.calls]
