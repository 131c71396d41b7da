"""Every API list pages with ``page_size`` (bounded by the portal's maximum, documented in the
schema), and every API error has the same body: ``code``, ``message``, ``details`` (and ``detail``)."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from l2portal.portal.api.pagination import PortalPagination
from l2portal.programs.models import ObservingProgram

pytestmark = pytest.mark.django_db

MAX = PortalPagination.max_page_size


@pytest.fixture
def api(operator):
    client = APIClient()
    client.force_authenticate(operator)
    return client


@pytest.fixture
def many_programs():
    ObservingProgram.objects.bulk_create(
        ObservingProgram(execution_id=f"eid_{n:04d}", proposal_id="pid_1_1") for n in range(MAX + 20)
    )


def test_page_size_is_honoured_and_bounded(api, many_programs):
    assert len(api.get("/api/programs/").json()["results"]) == PortalPagination.page_size
    small = api.get("/api/programs/", {"page_size": 7, "page": 2}).json()
    assert small["count"] == MAX + 20 and len(small["results"]) == 7
    assert "page_size=7" in small["next"] and "page=3" in small["next"]
    bounded = api.get("/api/programs/", {"page_size": 10_000}).json()
    assert len(bounded["results"]) == MAX and "page=2" in bounded["next"]
    # Not a size: the default, never an error or an unbounded page.
    assert (
        len(api.get("/api/programs/", {"page_size": "many"}).json()["results"]) == PortalPagination.page_size
    )


@pytest.mark.parametrize("path", ["/api/programs/", "/api/campaign-runs/", "/api/chunks/", "/api/restores/"])
def test_every_list_takes_a_page_size(api, path):
    assert api.get(path, {"page_size": 1}).status_code == 200


def test_the_schema_documents_the_page_size_and_its_bound():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    lists = [
        operation
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        and "results" in str(operation.get("responses", {}).get("200", {}))
        and operation.get("operationId", "").endswith("_list")
    ]
    assert lists
    for operation in lists:
        (page_size,) = [p for p in operation["parameters"] if p["name"] == "page_size"]
        assert page_size["schema"]["maximum"] == MAX, operation["operationId"]


def _is_error(response, status: int, code: str):
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    assert body["message"] and body["detail"] == body["message"]
    assert isinstance(body["details"], dict)
    return body


def test_every_error_has_a_code_a_message_and_details(api, fssc, scientist):
    signed_out = APIClient()
    _is_error(signed_out.get("/api/programs/"), 401, "not_authenticated")
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token nope")
    _is_error(bad_token.get("/api/programs/"), 401, "authentication_failed")
    _is_error(api.post("/api/campaigns/", "{not json", content_type="application/json"), 400, "parse_error")
    _is_error(api.get("/api/programs/999999/"), 404, "not_found")
    _is_error(api.get("/api/no-such-thing/"), 404, "not_found")
    reader = APIClient()
    reader.force_authenticate(scientist)
    _is_error(reader.get("/api/fssc/products/"), 403, "permission_denied")
    invalid = _is_error(api.post("/api/campaigns/", {"name": ""}, format="json"), 400, "invalid")
    assert "name" in invalid["details"] and "name:" in invalid["message"]
    _is_error(api.get("/api/programs/", {"owner": "a\x00b"}), 400, "bad_request")
