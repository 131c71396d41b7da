"""Hostile input is a 400, never a 500: over-deep JSON, NUL characters in bodies, paths and queries."""

import pytest
from rest_framework.test import APIClient

from tests.factories import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client():
    client = APIClient()
    client.force_login(user("op", "operator"))
    return client


def test_json_nested_too_deep_is_a_400(operator_client):
    body = "[" * 200_000 + "]" * 200_000
    response = operator_client.post("/api/campaigns/", body, content_type="application/json")
    assert response.status_code == 400 and "nested too deep" in response.json()["detail"]


def test_moderately_deep_json_is_also_refused_before_any_view_walks_it(operator_client):
    body = "[" * 40 + "1" + "]" * 40
    response = operator_client.post("/api/campaigns/", body, content_type="application/json")
    assert response.status_code == 400 and "at most 32 levels" in response.json()["detail"]


def test_nul_in_a_json_body_is_a_400(operator_client):
    response = operator_client.post("/api/campaigns/", {"name": "P3\x0010"}, format="json")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    "url", ["/api/collections/P310%00/", "/api/products/?collection=P%00310", "/programs/%00/"]
)
def test_nul_in_a_path_or_query_is_a_400(operator_client, url):
    assert operator_client.get(url).status_code == 400


def test_malformed_json_is_a_400(operator_client):
    response = operator_client.post("/api/campaigns/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00+17:29", "2026-01-01T00:00:00-23:59"])
def test_a_time_with_an_offset_postgresql_cannot_hold_is_read_into_utc(operator_client, since):
    assert operator_client.get("/api/products/", {"since": since}).status_code == 200


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00+99:00", "9999-12-31T23:59:59-23:00", "yesterday"])
def test_a_time_no_calendar_holds_is_a_400(operator_client, since):
    assert operator_client.get("/api/products/", {"since": since}).status_code == 400
