"""Rate limits on sign-in and registration: per phone number (or username), and per
address only as a high ceiling (carrier-grade NAT puts whole towns behind one address).

The defaults let a suite of a hundred customers sign in from one address; these
tests tighten them to watch them bite.
"""

import pytest

from app.db import transaction
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


@pytest.mark.parametrize("config_overrides", [{}])
def test_a_hundred_customers_sign_in_from_one_address_within_a_minute(client, runtime):
    with transaction(runtime) as session:
        numbers = [factories.customer(session).msisdn for _ in range(100)]
    statuses = [login(client, msisdn, pin=factories.PIN, ip="127.0.0.1") for msisdn in numbers]
    assert [r.status_code for r in statuses] == [200] * 100


def test_one_address_trying_many_numbers_is_not_limited_below_the_ceiling(client):
    for n in range(10):
        assert login(client, f"+24206000000{n}").status_code == 422  # answered as a wrong PIN


@pytest.mark.parametrize(
    "config_overrides", [{"RATELIMIT_LOGIN": "3/minute", "RATELIMIT_PER_IP": "5/minute"}]
)
def test_the_per_address_ceiling_still_stops_a_flood_from_one_address(client, config_overrides):
    for n in range(5):
        assert login(client, f"+24206000000{n}").status_code == 422  # answered as a wrong PIN
    response = login(client, "+242060000009")
    assert response.status_code == 429
    assert response.get_json()["code"] == "rate_limited"


def test_the_retry_after_says_when_the_window_frees_a_slot(client):
    for i in range(3):
        login(client, "+242061234567", ip=f"10.0.5.{i}")
    retry_after = int(login(client, "+242061234567").headers["Retry-After"])
    assert 1 <= retry_after <= 60


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


def register(client, n, ip="10.0.6.1"):
    return client.post(
        "/api/v1/customers",
        json={"msisdn": f"+24206100000{n}", "first_name": "A", "last_name": "B", "pin": "2580"},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_registration_is_rate_limited_per_number(client):
    assert register(client, 1, ip="10.0.6.1").status_code == 201
    assert register(client, 1, ip="10.0.6.2").status_code == 409
    assert register(client, 1, ip="10.0.6.3").status_code == 429


def test_registrations_of_many_numbers_from_one_address_pass_below_the_ceiling(client):
    assert [register(client, n).status_code for n in range(5)] == [201] * 5


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
