"""A session that ends while someone works (l2portal.portal.sessions): sign in and back to the page,
"do it again" after a lost form, htmx told where to go, polls stopped with a message, the portal's
own page for a stale CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from l2portal.portal.sessions import DO_IT_AGAIN, LIVE_STOPPED, STOP_POLLING

pytestmark = pytest.mark.django_db

PAGE = "/registry/executions/?state=error"
FORM = "/registry/tables/columns/"  # answers POST only: what a page's form is sent to


def sign_in_url(next_path: str) -> str:
    client = Client()
    return client.get(next_path).url


def test_a_page_asked_for_without_a_session_goes_to_sign_in_and_back_to_it(client, scientist):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    signed_in = client.post(response.url, {"username": "scientist", "password": "scientist", "next": PAGE})
    assert signed_in.url == PAGE


def test_a_form_sent_after_the_session_ended_comes_back_to_its_page_with_do_it_again(client, scientist):
    response = client.post(FORM, {"table": "executions"}, HTTP_REFERER=f"http://testserver{PAGE}")
    assert response.status_code == 302
    # Back to the page the form was on, never to the address it was sent to (GET there is a 405).
    assert response.url == sign_in_url(PAGE)
    sign_in_page = client.get(response.url)
    assert "Your session had expired" in sign_in_page.text
    signed_in = client.post(response.url, {"username": "scientist", "password": "scientist", "next": PAGE})
    back = client.get(signed_in.url)
    assert back.status_code == 200 and DO_IT_AGAIN in back.text
    assert DO_IT_AGAIN not in client.get(PAGE).text  # said once


def test_htmx_is_told_where_to_go_in_the_header_its_client_follows(client):
    response = client.post(
        FORM, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{PAGE}", HTTP_REFERER="x"
    )
    assert response.status_code == 204 and response["HX-Redirect"] == sign_in_url(PAGE)


def test_a_live_region_that_polls_stops_with_a_message_in_its_place(client):
    response = client.get(
        "/registry/objects/program/1/live/",
        HTTP_HX_REQUEST="true",
        HTTP_X_PORTAL_POLL="true",
        HTTP_HX_CURRENT_URL="http://testserver/programs/1/",
    )
    assert response.status_code == STOP_POLLING and response["HX-Reswap"] == "none"
    assert response.text == LIVE_STOPPED and response["X-Portal-Sign-In"] == sign_in_url("/programs/1/")


def test_a_stale_csrf_token_gets_the_portals_own_page(scientist):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(scientist)
    response = browser.post(FORM, {"table": "executions"}, HTTP_REFERER=f"http://testserver{PAGE}")
    assert response.status_code == 403
    assert "The form was out of date" in response.text and "Reload the page and do it again" in response.text
    assert f'href="{PAGE}"' in response.text.replace("&amp;", "&")
    assert "CSRF verification failed" not in response.text  # not Django's own page


def test_a_stale_csrf_token_without_a_session_goes_through_sign_in(client, scientist):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(FORM, {"table": "executions"}, HTTP_REFERER=f"http://testserver{PAGE}")
    assert response.status_code == 302 and response.url == sign_in_url(PAGE)


def test_the_api_answers_for_itself(client):
    response = client.get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code in (401, 403)


def test_the_way_back_never_leads_to_another_host_nor_to_sign_in_again(scientist):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(scientist)
    elsewhere = browser.post(FORM, {"table": "x"}, HTTP_REFERER="http://testserver//evil.example/x")
    assert 'href="/evil.example/x"' in elsewhere.text and "//evil.example" not in elsewhere.text
    from_sign_in = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "x"}, HTTP_REFERER="http://testserver/accounts/login/"
    )
    assert from_sign_in.url == sign_in_url("/")
