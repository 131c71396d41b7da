import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from l2portal.ledger import services
from l2portal.ledger.roles import FSSC, OPERATOR, SCIENTIST
from l2portal.registry import services as registry
from tests.factories import SYSTEM, program, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_program():
    op = program("eid_failed")
    services.fail(op, SYSTEM, "scan broke")
    return op


def client_for(role):
    client = APIClient()
    if role == "anonymous":
        return client
    account = user(f"a_{role}", role)
    if role == FSSC:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=account).key}")
    else:
        client.force_login(account)
    return client


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("anonymous", 401, 401),
        (SCIENTIST, 200, 403),
        (FSSC, 200, 403),
        (OPERATOR, 200, 200),
    ],
)
def test_read_and_write_endpoints_check_roles(role, read, write, failed_program):
    client = client_for(role)
    assert client.get("/api/products/").status_code == read
    response = client.post(f"/api/programs/{failed_program.pk}/retry/")
    assert response.status_code == write, response.content
    failed_program.refresh_from_db()
    assert failed_program.state == ("discovered" if write == 200 else "error")


def test_refusal_explains_what_to_do(failed_program):
    response = client_for(SCIENTIST).post(f"/api/programs/{failed_program.pk}/retry/")
    assert "ask an operator" in response.json()["detail"]


def test_retry_of_an_item_that_is_not_failed_is_a_conflict():
    op = program("eid_fine")
    services.transition(op, "invertible", SYSTEM)
    services.fail(op, SYSTEM, "x")
    client = client_for(OPERATOR)
    assert client.post(f"/api/programs/{op.pk}/retry/").status_code == 200
    response = client.post(f"/api/programs/{op.pk}/retry/")
    assert response.status_code == 409
    assert "'invertible'" in response.json()["detail"]


def test_history_and_provenance_endpoints(data_root):
    op = program("eid_hist")
    services.transition(op, "invertible", SYSTEM, "ok")
    client = client_for(SCIENTIST)
    history = client.get(f"/api/programs/{op.pk}/history/").json()["results"]
    assert [(h["from_state"], h["to_state"], h["reason"]) for h in history] == [
        ("discovered", "invertible", "ok")
    ]

    from l2portal.ledger.execution import recording

    run = registry.get_run_collection("P310")
    with recording("make_magic7"):
        raw = registry.write_product(run, "P310/P310_raw.txt", "magic7", lambda t: t.write_text("raw"))
    with recording("make_ft2") as execution:
        ft2 = registry.write_product(
            run, "P310/P310_ft2.fit", "ft2_1s", lambda t: t.write_text("ft2"), inputs=[raw]
        )
    provenance = client.get(f"/api/products/{ft2.pk}/provenance/").json()
    assert provenance["produced_by"]["id"] == execution.pk
    assert [i["path"] for i in provenance["produced_by"]["inputs"]] == ["P310/P310_raw.txt"]
    derived = client.get(f"/api/products/{raw.pk}/derived/").json()
    assert [p["path"] for p in derived["results"]] == ["P310/P310_ft2.fit"]


def test_lists_are_paginated_and_filterable():
    for n in range(3):
        program(f"eid_{n}")
    client = client_for(SCIENTIST)
    page = client.get("/api/programs/", {"state": "discovered", "ordering": "execution_id"}).json()
    assert page["count"] == 3 and [r["execution_id"] for r in page["results"]] == ["eid_0", "eid_1", "eid_2"]
    assert client.get("/api/programs/", {"state": "published"}).json()["count"] == 0


def test_schema_and_docs_need_sign_in_and_render():
    assert APIClient().get("/api/schema/").status_code in (401, 403)
    client = client_for(SCIENTIST)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/programs/{id}/retry/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_pages_need_sign_in_except_login_and_health(client):
    assert client.get("/").status_code == 302
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
    client.force_login(user("sci", SCIENTIST))
    assert client.get("/").status_code == 200
