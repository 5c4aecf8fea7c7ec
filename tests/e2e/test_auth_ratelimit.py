"""Rate limits on sign-in and registration, per phone number (or username) and per address.

The defaults are loose (a suite registers a hundred customers from one address,
see test_customers_registration.py); these tests tighten them to watch them bite.
"""

import pytest

from app.runtime import transaction
from tests import factories


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_LOGIN": "3/minute", "RATELIMIT_REGISTER": "2/hour"}


def login(client, msisdn, pin="1470", ip="10.0.0.1"):
    return client.post(
        "/api/v1/auth/login",
        json={"msisdn": msisdn, "pin": pin},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_too_many_logins_for_one_number_are_rate_limited(client, runtime):
    with transaction(runtime) as session:
        factories.customer(session, msisdn="+242061234567")
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert login(client, "+242061234567", ip=ip).status_code != 429
    response = login(client, "+242061234567", ip="10.0.0.4")
    assert response.status_code == 429
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "rate_limited"
    assert response.headers["Retry-After"]


def test_every_spelling_of_a_number_shares_one_counter(client):
    for i, typed in enumerate(("+242061234567", "061234567", "06 123 4567")):
        login(client, typed, ip=f"10.0.1.{i}")
    assert login(client, "242061234567", ip="10.0.1.9").status_code == 429


def test_one_address_trying_many_numbers_is_rate_limited(client):
    for n in range(3):
        assert login(client, f"+24206000000{n}").status_code == 422  # as a wrong PIN
    assert login(client, "+242060000009").status_code == 429


@pytest.mark.parametrize(
    "config_overrides", [{"RATELIMIT_LOGIN": "3/minute", "PIN_MAX_ATTEMPTS": 5}]
)
def test_a_rate_limited_attempt_never_reaches_the_pin_check(client, runtime, config_overrides):
    with transaction(runtime) as session:
        factories.customer(session, msisdn="+242061234567")
    for i in range(3):
        assert login(client, "+242061234567", ip=f"10.0.3.{i}").status_code == 422
    for i in range(3):
        assert login(client, "+242061234567", ip=f"10.0.4.{i}").status_code == 429
    with transaction(runtime) as session:
        from app.customers.service import find_by_msisdn

        customer = find_by_msisdn(session, "+242061234567")
        assert (customer.status, customer.failed_pin_attempts) == ("active", 3)


def test_registration_is_rate_limited_per_address(client):
    def register(n):
        return client.post(
            "/api/v1/customers",
            json={"msisdn": f"+24206100000{n}", "first_name": "A", "last_name": "B", "pin": "2580"},
        )

    assert register(1).status_code == 201
    assert register(2).status_code == 201
    assert register(3).status_code == 429


def test_staff_sign_in_is_rate_limited_per_username(client, runtime):
    with transaction(runtime) as session:
        factories.agent(session, username="agent.potopoto")
    for i in range(3):
        client.post(
            "/api/v1/auth/agent/login",
            json={"username": "agent.potopoto", "password": "wrong-password", "totp": "000000"},
            environ_base={"REMOTE_ADDR": f"10.0.2.{i}"},
        )
    response = client.post(
        "/api/v1/auth/agent/login",
        json={
            "username": "agent.potopoto",
            "password": factories.PASSWORD,
            "totp": factories.totp_code(),
        },
        environ_base={"REMOTE_ADDR": "10.0.2.9"},
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    "config_overrides", [{"RATELIMIT_LOGIN": "3/minute", "RATELIMIT_ENABLED": False}]
)
def test_limits_can_be_switched_off(client, config_overrides):
    for _ in range(5):
        assert login(client, "+242061234567").status_code == 422  # unknown: as a wrong PIN
