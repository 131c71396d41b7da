"""Restore parameters per request (seeds/004: "how to handle any variation in parameters to the
hifa_restoredata call"): checked against the restore tasks' own parameters, recorded on the request,
written into the PPR (read back by executeppr's rules, values cast as its XmlObjectifier casts them)
or the generated script, shown on the plan page, and part of the duplicate check."""

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.services import Actor, transition
from restore import selectors, services
from restore.models import RestoreRequest
from restore.science import archive
from restore.science.plan import PPR_ROUTE, SCRIPT_ROUTE, PlanError, load_plan, read_folder
from restore.science.ppr import build_ppr, read_ppr
from restore.science.restore_parameters import (
    ParameterError,
    check_parameters,
    known_parameters,
    parameter_lines,
    parse_parameter_lines,
    ppr_reads,
)
from restore.science.restorescript import parse_restore_script
from restore.science.scriptgen import render_script
from tests.restore.conftest import X80E
from tests.restore.test_pipeline_reading import executeppr_read

SYSTEM = Actor.system("test")
HIFA = "hifa_restoredata"
CHOSEN = {HIFA: {"bdfflags": False, "ocorr_mode": "ao", "asis": "Source Receiver"}}


def test_known_parameters_are_the_pipeline_tasks_own():
    assert known_parameters()[HIFA] == [
        "asis",
        "bdfflags",
        "copytoraw",
        "lazy",
        "ocorr_mode",
        "products_dir",
        "rawdata_dir",
    ]
    assert known_parameters()["hif_restoredata"] == ["copytoraw", "ocorr_mode", "products_dir", "rawdata_dir"]


def test_an_unknown_parameter_is_refused_with_the_tasks_parameters():
    with pytest.raises(ParameterError) as refused:
        check_parameters({HIFA: {"bdflags": False}})
    message = str(refused.value)
    assert "hifa_restoredata has no parameter 'bdflags'" in message
    assert (
        "its parameters are asis, bdfflags, copytoraw, lazy, ocorr_mode, products_dir, rawdata_dir" in message
    )
    assert refused.value.known == known_parameters()
    with pytest.raises(ParameterError, match="'hifv_restoredata' is not a restore task; the tasks are"):
        check_parameters({"hifv_restoredata": {"lazy": True}})


@pytest.mark.parametrize(
    ("requested", "reason"),
    [
        ({HIFA: {"vis": ["x"]}}, "vis is set by the portal from the restore's DataSet"),
        ({HIFA: {"bdfflags": "no"}}, "bdfflags must be true or false, not 'no'"),
        ({HIFA: {"ocorr_mode": "xx"}}, "ocorr_mode must be one of ca, ao, co"),
        ({HIFA: {"rawdata_dir": "/data/raw"}}, "is an absolute path"),
        ({HIFA: {"products_dir": "../../../elsewhere"}}, "leaves the restore's MOUS folder"),
        ({HIFA: {"asis": "Source; rm"}}, "ASDM table names separated by single spaces"),
        ({HIFA: {"products_dir": "2019"}}, "would read '2019' from a PPR as 2019"),
    ],
)
def test_values_the_task_cannot_take_are_refused(requested, reason):
    with pytest.raises(ParameterError, match=reason):
        check_parameters(requested)


def test_values_are_normalised_and_form_lines_round_trip():
    text = "hifa_restoredata.bdfflags = False\n\nhifa_restoredata.ocorr_mode = ao\n"
    checked = check_parameters(parse_parameter_lines(text))
    assert checked == {HIFA: {"bdfflags": False, "ocorr_mode": "ao"}}
    assert check_parameters(parse_parameter_lines(parameter_lines(checked))) == checked
    with pytest.raises(ValueError, match="line 1: 'bdfflags False' is not task\\.parameter = value"):
        parse_parameter_lines("bdfflags False")
    assert check_parameters(None) == {} and check_parameters({}) == {}


@pytest.fixture(scope="module")
def connection():
    connection = archive.connect(None)
    yield connection
    connection.close()


def plan_of(connection, **options):
    return load_plan(connection, X80E, read_folder(archive.DEMO_PRODUCTS_DIR), **options)


def test_the_ppr_carries_the_parameters_as_executeppr_reads_them(connection):
    plan = plan_of(connection, force_ppr=True, parameters=CHOSEN)
    assert plan.route == PPR_ROUTE
    ppr = build_ppr(plan, root_directory="/restores", creation_time=datetime(2018, 8, 7, tzinfo=UTC))
    _, _, commands, _ = executeppr_read(ppr)
    (restoredata,) = [arguments for name, arguments in commands if name == HIFA]
    as_read = {keyword: ppr_reads(value) for keyword, value in restoredata.items()}
    assert as_read == {"bdfflags": 0, "ocorr_mode": "ao", "asis": "Source Receiver"}
    # The portal's own reader agrees; the other commands keep what the delivered script passes.
    commands = dict(read_ppr(ppr).commands)
    assert commands[HIFA] == {"ocorr_mode": "ao", "bdfflags": "False", "asis": "Source Receiver"}
    assert commands["hifa_importdata"]["ocorr_mode"] == "ca"
    assert (
        "hifa_restoredata ocorr_mode: the request sets 'ao', the delivered restore script (line 9) 'ca'"
        in (plan.warnings)
    )


def test_the_generated_script_carries_the_parameters(connection):
    plan = plan_of(connection, parameters=CHOSEN)
    assert plan.route == SCRIPT_ROUTE
    generated = render_script(plan.script_calls, source_name=plan.script_name)
    (call,) = [call for call in parse_restore_script(generated.text).calls if call.name == HIFA]
    assert call.arguments == {
        "vis": ["uid___A002_Xcf92df_X3453"],
        "session": ["session_2"],
        "ocorr_mode": "ao",
        "bdfflags": False,
        "asis": "Source Receiver",
    }


def test_parameters_of_a_task_the_restore_does_not_run_make_it_not_restorable(connection):
    with pytest.raises(
        PlanError, match="sets parameters of hif_restoredata, which this restore does not run"
    ):
        plan_of(connection, parameters={"hif_restoredata": {"ocorr_mode": "ao"}})


@pytest.mark.django_db
def test_the_service_refuses_an_unknown_parameter_records_it_and_creates_nothing(scientist):
    with pytest.raises(services.RestoreParametersRefused, match="no parameter 'bdflags'") as refused:
        services.request_restore(X80E, Actor.of_user(scientist), parameters={HIFA: {"bdflags": False}})
    assert refused.value.http_status == 400 and refused.value.details == {"known": known_parameters()}
    assert not RestoreRequest.objects.exists()
    assert LedgerEvent.objects.get(kind="restore_parameters_refused").actor == scientist.username


@pytest.mark.django_db
def test_the_same_mous_with_other_parameters_is_not_a_duplicate(
    scientist, django_capture_on_commit_callbacks
):
    actor = Actor.of_user(scientist)
    plain = RestoreRequest.objects.create(mous_uid=X80E, requested_by=scientist, software=services.software())
    for state in ("checked", "staged", "prepared", "running", "restored"):
        transition(plain, state, SYSTEM)
    other = services.request_restore(X80E, actor, parameters={HIFA: {"bdfflags": "false"}})
    assert other.restore_parameters == {HIFA: {"bdfflags": False}}
    # The same parameters again: the restore under way is the existing one.
    with pytest.raises(services.RestoreDuplicate, match=f"with the same restore parameters as #{other.pk}"):
        services.request_restore(X80E, actor, parameters={HIFA: {"bdfflags": False}})
    # No parameters: the plain restore is done with the same route and software.
    with pytest.raises(services.RestoreDuplicate, match=f"already restored as #{plain.pk}"):
        services.request_restore(X80E, actor)
    assert RestoreRequest.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_restore_with_parameters_through_the_api_writes_them_into_its_ppr(operator):
    client = APIClient()
    client.force_authenticate(operator)
    payload = {"mous_uid": X80E, "force_ppr": True, "restore_parameters": CHOSEN}
    response = client.post("/api/restores/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "restored" and body["restore_parameters"] == CHOSEN
    assert body["plan"]["parameters"] == CHOSEN
    restore = RestoreRequest.objects.get(pk=body["id"])
    commands = dict(read_ppr(selectors.file_bytes(restore.ppr)).commands)
    assert commands[HIFA] == {"ocorr_mode": "ao", "bdfflags": "False", "asis": "Source Receiver"}
    assert client.get("/api/restores/").json()["results"][0]["restore_parameters"] == CHOSEN


@pytest.mark.django_db
def test_the_api_answers_an_unknown_parameter_with_the_lists(scientist):
    client = APIClient()
    client.force_authenticate(scientist)
    payload = {"mous_uid": X80E, "restore_parameters": {HIFA: {"bdflags": False}}}
    response = client.post("/api/restores/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "restore_parameters_refused" and "no parameter 'bdflags'" in body["message"]
    assert body["details"]["known"][HIFA] == known_parameters()[HIFA]
    assert not RestoreRequest.objects.exists()
    schema = client.get("/api/schema/", {"format": "json"}).json()
    create = schema["components"]["schemas"]["RestoreCreate"]["properties"]["restore_parameters"]
    assert create["type"] == "object" and "bdfflags" in create["description"]


@pytest.mark.django_db(transaction=True)
def test_the_request_form_takes_parameters_and_the_plan_page_shows_them(client, scientist):
    client.force_login(scientist)
    lines = "hifa_restoredata.bdfflags = False\nhifa_restoredata.ocorr_mode = ao"
    response = client.post("/restores/", {"mous_uid": X80E, "restore_parameters": lines})
    restore = RestoreRequest.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert restore.restore_parameters == {HIFA: {"bdfflags": False, "ocorr_mode": "ao"}}
    page = client.get(f"/restores/{restore.pk}/").content.decode()
    assert "Restore task parameters" in page
    assert (
        "<td><code>hifa_restoredata</code></td><td><code>ocorr_mode</code></td><td><code>ao</code></td>"
        in page
    )
    assert "bdfflags=False" in page  # the generated script's call, on the route card
    script = selectors.file_bytes(restore.restore_script).decode()
    assert "ocorr_mode='ao'" in script and "bdfflags=False" in script


@pytest.mark.django_db
def test_the_request_form_shows_an_unknown_parameter_with_the_lists(client, scientist):
    client.force_login(scientist)
    response = client.post(
        "/restores/", {"mous_uid": X80E, "restore_parameters": "hifa_restoredata.bdflag = 1"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "hifa_restoredata has no parameter &#x27;bdflag&#x27;; its parameters are asis, bdfflags" in page
    assert not RestoreRequest.objects.exists()
    malformed = client.post("/restores/", {"mous_uid": X80E, "restore_parameters": "bdfflags"})
    assert "is not task.parameter = value" in malformed.content.decode()
