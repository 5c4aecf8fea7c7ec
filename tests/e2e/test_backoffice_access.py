"""Signing in to the back office: who may, the session's cookie, its end."""

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.backoffice_support import post, sign_in, text_of


@pytest.fixture
def operator(runtime):
    with transaction(runtime) as session:
        return factories.head_office(session, role="operator", username="ops.siege")


@pytest.fixture
def auditor(runtime):
    with transaction(runtime) as session:
        return factories.head_office(session, role="auditor", username="audit.siege")


def test_an_operator_signs_in_with_totp_and_lands_on_the_home_page(client, operator):
    response = sign_in(client, operator.username)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/backoffice/")
    home = client.get("/backoffice/")
    assert home.status_code == 200
    assert "ops.siege (opérateur)" in text_of(home)


def test_the_session_cookie_is_the_back_offices_own(client, operator):
    response = sign_in(client, operator.username)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("postcash_backoffice=")
    assert "Path=/backoffice" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie


def test_a_back_office_session_opens_no_counter_page(client, operator):
    sign_in(client, operator.username)
    assert client.get("/counter/").status_code == 302


def test_a_post_office_agent_is_refused(client, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session, username="guichet.pp")
    response = sign_in(client, agent.username)
    assert response.status_code == 401
    assert client.get("/backoffice/").status_code == 302


def test_a_wrong_totp_code_keeps_the_operator_out(client, operator):
    response = sign_in(client, operator.username, code="000000")
    assert response.status_code == 401
    assert "incorrect" in text_of(response)


def test_a_page_without_a_session_asks_to_sign_in(client):
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert "/backoffice/login" in response.headers["Location"]


def test_fifteen_idle_minutes_end_the_session(client, operator, clock):
    sign_in(client, operator.username)
    clock.advance(minutes=15, seconds=1)
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert "expired" in response.headers["Location"]


def test_signing_out_ends_the_session(client, operator):
    sign_in(client, operator.username)
    assert post(client, "/backoffice/logout").status_code == 303
    assert client.get("/backoffice/").status_code == 302


def test_an_auditor_may_sign_out(client, auditor):
    sign_in(client, auditor.username)
    assert post(client, "/backoffice/logout").status_code == 303


def test_a_post_without_its_csrf_token_is_refused(client, operator):
    sign_in(client, operator.username)
    response = client.post("/backoffice/logout")
    assert response.status_code == 400
    assert client.get("/backoffice/").status_code == 200
