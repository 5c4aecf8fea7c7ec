"""POST /auth/login and /auth/logout: number + PIN, lockout after three wrong PINs, expiry.

How long a lock lasts, and how it escalates, is in test_pin_locks.py."""

import pytest

from app.db import transaction
from tests import factories

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def awa_balance():
    return 5_000


@pytest.fixture
def awa_msisdn():
    return "+242061234567"


def login(client, msisdn="+242061234567", pin="2580"):
    return client.post(LOGIN, json={"msisdn": msisdn, "pin": pin})


def test_the_right_pin_gives_a_customer_token_for_fifteen_minutes(client, awa):
    response = login(client)
    assert response.status_code == 200
    token = response.get_json()
    assert token["role"] == "customer"
    assert token["expires_in"] == 15 * 60
    assert len(token["access_token"]) >= 40
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("typed", ["061234567", "242061234567", "06 123 4567"])
def test_any_accepted_number_format_signs_in(client, awa, typed):
    assert login(client, msisdn=typed).status_code == 200


def test_the_token_opens_the_customers_own_profile(client, awa):
    headers = factories.bearer(login(client).get_json()["access_token"])
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["id"] == awa.id


def test_a_wrong_pin_says_how_many_attempts_are_left(client, awa):
    first = login(client, pin="1470")
    assert first.status_code == 422
    assert first.get_json()["code"] == "invalid_pin"
    assert first.get_json()["attempts_left"] == 2
    assert login(client, pin="1470").get_json()["attempts_left"] == 1


def test_the_third_wrong_pin_in_a_row_locks_the_account(client, awa):
    login(client, pin="1470")
    login(client, pin="1470")
    third = login(client, pin="1470")
    assert third.status_code == 422
    assert third.get_json()["code"] == "account_locked"


def test_a_locked_account_refuses_even_the_right_pin(client, awa):
    for _ in range(3):
        login(client, pin="1470")
    response = login(client, pin="2580")
    assert response.get_json()["code"] == "account_locked"


def test_the_right_pin_resets_the_count_of_wrong_ones(client, awa):
    login(client, pin="1470")
    login(client, pin="1470")
    assert login(client).status_code == 200
    assert login(client, pin="1470").get_json()["attempts_left"] == 2


def test_locking_signs_out_the_sessions_already_open(client, awa):
    headers = factories.bearer(login(client).get_json()["access_token"])
    for _ in range(3):
        login(client, pin="1470")
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_unknown_number_is_answered_as_a_wrong_pin(client, awa):
    response = login(client, msisdn="+242069999999")
    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_pin"


def test_a_malformed_pin_is_a_validation_error_and_costs_no_attempt(client, awa):
    assert login(client, pin="12").status_code == 400
    assert login(client, pin="1470").get_json()["attempts_left"] == 2


def test_a_malformed_number_is_a_validation_error(client):
    response = client.post(LOGIN, json={"msisdn": 61234567, "pin": "2580"})
    assert response.status_code == 400
    assert "msisdn" in response.get_json()["errors"]


def test_an_agent_unlocks_a_locked_customer(client, runtime, awa):
    for _ in range(3):
        login(client, pin="1470")
    with transaction(runtime) as session:
        agent = factories.agent(session)
    unlock = client.post(
        f"/api/v1/customers/{awa.id}/unlock",
        headers=factories.headers_for(client.application, agent),
    )
    assert unlock.status_code == 200
    assert unlock.get_json()["status"] == "active"
    assert login(client).status_code == 200


def test_an_admin_unlocks_a_locked_customer(client, runtime, awa):
    for _ in range(3):
        login(client, pin="1470")
    with transaction(runtime) as session:
        admin = factories.admin(session)
    unlock = client.post(
        f"/api/v1/customers/{awa.id}/unlock",
        headers=factories.headers_for(client.application, admin),
    )
    assert unlock.status_code == 200
    assert login(client).status_code == 200


def test_after_an_unlock_the_customer_has_three_attempts_again(client, runtime, awa):
    for _ in range(3):
        login(client, pin="1470")
    with transaction(runtime) as session:
        agent = factories.agent(session)
    client.post(
        f"/api/v1/customers/{awa.id}/unlock",
        headers=factories.headers_for(client.application, agent),
    )
    assert login(client, pin="1470").get_json()["attempts_left"] == 2


def test_a_customer_cannot_unlock_anyone(client, runtime, awa):
    with transaction(runtime) as session:
        bruno = factories.customer(session)
    for _ in range(3):
        login(client, pin="1470")
    headers = factories.headers_for(client.application, bruno)
    response = client.post(f"/api/v1/customers/{awa.id}/unlock", headers=headers)
    assert response.status_code == 403
    assert login(client).get_json()["code"] == "account_locked"


def test_unlocking_an_unknown_customer_is_not_found(client, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    headers = factories.headers_for(client.application, agent)
    response = client.post("/api/v1/customers/no-such-id/unlock", headers=headers)
    assert response.status_code == 404


def test_a_customer_token_expires_after_fifteen_minutes(client, awa, clock):
    headers = factories.bearer(login(client).get_json()["access_token"])
    clock.advance(minutes=14, seconds=59)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(seconds=1)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"


def test_logout_revokes_the_token(client, awa):
    headers = factories.bearer(login(client).get_json()["access_token"])
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_logout_leaves_the_customers_other_sessions_open(client, awa):
    phone = factories.bearer(login(client).get_json()["access_token"])
    tablet = factories.bearer(login(client).get_json()["access_token"])
    client.post("/api/v1/auth/logout", headers=phone)
    assert client.get("/api/v1/me", headers=tablet).status_code == 200


def test_logout_without_a_token_is_unauthorized(client):
    assert client.post("/api/v1/auth/logout").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic abc", "bearer not-a-token", "Token abc", "Bearer " + "x" * 500],
)
def test_malformed_or_unknown_tokens_are_unauthorized(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
