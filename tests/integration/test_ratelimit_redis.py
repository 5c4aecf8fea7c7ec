"""The rate limits counted in Redis (production's storage), not in process memory.

Several gunicorn workers and web nodes share the counters only through Redis: a
number hammered across them is limited, an address full of customers is not.
"""

from __future__ import annotations

import pytest

from app.api.ratelimit import limiter
from app.auth.throttle import PinScreensExceeded, take_pin_screen, throttle_of
from app.db import transaction
from tests.conftest import need_env


@pytest.fixture
def config_overrides():
    return {
        "REDIS_URL": need_env("TEST_REDIS_URL"),
        "RATELIMIT_LOGIN": "3/minute",
        "USSD_PIN_SCREENS": "2/15 minutes",
    }


@pytest.fixture(autouse=True)
def fresh_counters(app, runtime):
    throttle = throttle_of(runtime)
    limiter.reset()
    throttle.reset()
    yield
    limiter.reset()
    throttle.reset()


def login(client, msisdn, ip="100.64.0.1"):
    return client.post(
        "/api/v1/auth/login",
        json={"msisdn": msisdn, "pin": "1470"},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_the_counters_live_in_redis(app):
    assert type(limiter.storage).__name__.lower().startswith("redis")


def test_a_hundred_numbers_from_one_address_are_not_limited(client):
    statuses = {login(client, f"+2420600{n:05d}").status_code for n in range(100)}
    assert statuses == {422}  # unknown numbers answer as a first wrong PIN


def test_one_number_hammered_from_many_addresses_is_limited(client):
    for i in range(3):
        assert login(client, "+242061234567", ip=f"100.64.1.{i}").status_code == 422
    response = login(client, "+242061234567", ip="100.64.1.9")
    assert response.status_code == 429
    assert response.get_json()["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_the_ussd_pin_screens_of_a_number_are_counted_in_redis(runtime):
    assert type(throttle_of(runtime).storage).__name__.lower().startswith("redis")
    with transaction(runtime) as session:
        take_pin_screen(session, "+242061234567")
        take_pin_screen(session, "+242061234567")
        take_pin_screen(session, "+242069999999")
        with pytest.raises(PinScreensExceeded) as refused:
            take_pin_screen(session, "+242061234567")
    assert refused.value.extra["minutes"] == 15
