"""Stored PIN hashes move to the current pepper on the next right PIN (docs/PINS.md).

Awa (PIN 2580) was registered before the pepper (a plain argon2id hash) or under an
older pepper version; she signs in at /auth/login as always, and the same request
stores her PIN hashed with the current pepper. A wrong PIN changes nothing; a hash
whose pepper version the configuration no longer lists is refused without counting
her attempt.
"""

import pytest

from app.auth.hashing import hash_secret
from app.config import Config
from app.customers.models import Customer
from app.customers.pins import hash_pin
from app.db import transaction
from tests import factories
from tests.concurrency import committed, together
from tests.e2e.ussd_support import Phone

LOGIN = "/api/v1/auth/login"
AWA = "+242061234567"
WRONG = "1470"
OLD = "old-pepper-" + "o" * 32
NEW = "new-pepper-" + "n" * 32


@pytest.fixture
def config_overrides():
    """The pepper was rotated: version 2 hashes, version 1 still verifies."""
    return {"PIN_PEPPERS": {"1": OLD, "2": NEW}, "PIN_PEPPER_VERSION": "2"}


def with_stored_hash(runtime, stored):
    def write(session):
        awa = factories.customer(session, msisdn=AWA, pin=factories.PIN, balance=5_000)
        awa.pin_hash = stored
        return awa

    return committed(runtime, write)


@pytest.fixture
def legacy_awa(runtime):
    return with_stored_hash(runtime, hash_secret(factories.PIN, fast=True))


@pytest.fixture
def v1_awa(runtime):
    v1 = Config(TESTING=True, PIN_PEPPERS={"1": OLD}, PIN_PEPPER_VERSION="1")
    return with_stored_hash(runtime, hash_pin(factories.PIN, v1))


def login(client, pin=factories.PIN):
    return client.post(LOGIN, json={"msisdn": AWA, "pin": pin})


def stored(runtime, who):
    with transaction(runtime) as session:
        return session.get(Customer, who.id).pin_hash


def test_a_legacy_hash_signs_in_and_is_stored_peppered(client, runtime, legacy_awa):
    before = stored(runtime, legacy_awa)

    assert login(client).status_code == 200

    after = stored(runtime, legacy_awa)
    assert before.startswith("$argon2id$")
    assert after.startswith("$pcpep$v2$argon2id$")


def test_after_the_upgrade_the_same_pin_still_signs_in(client, runtime, legacy_awa):
    login(client)
    upgraded = stored(runtime, legacy_awa)

    assert login(client).status_code == 200
    assert stored(runtime, legacy_awa) == upgraded  # up to date: not hashed again


def test_a_legacy_hash_is_renewed_on_a_ussd_pin_screen_too(client, runtime, legacy_awa):
    assert Phone(client, AWA).run("5", factories.PIN).startswith("END Solde disponible")
    assert stored(runtime, legacy_awa).startswith("$pcpep$v2$")


def test_a_wrong_pin_leaves_a_legacy_hash_alone(client, runtime, legacy_awa):
    before = stored(runtime, legacy_awa)

    assert login(client, WRONG).get_json()["code"] == "invalid_pin"

    assert stored(runtime, legacy_awa) == before


def test_a_hash_of_the_retired_version_moves_to_the_current_one(client, runtime, v1_awa):
    assert stored(runtime, v1_awa).startswith("$pcpep$v1$")

    assert login(client).status_code == 200

    assert stored(runtime, v1_awa).startswith("$pcpep$v2$")


def test_a_pin_change_stores_the_current_pepper(client, runtime, legacy_awa):
    token = login(client).get_json()["access_token"]
    response = client.post(
        "/api/v1/me/pin",
        json={"old_pin": factories.PIN, "new_pin": "4826"},
        headers=factories.bearer(token),
    )
    assert response.status_code in (200, 204), response.get_json()
    assert stored(runtime, legacy_awa).startswith("$pcpep$v2$")
    assert login(client, "4826").status_code == 200


class TestAPepperNoLongerListed:
    @pytest.fixture
    def config_overrides(self):
        """Version 1 was removed from PIN_PEPPERS while hashes made with it remain."""
        return {"PIN_PEPPERS": {"2": NEW}, "PIN_PEPPER_VERSION": "2"}

    def test_is_refused_as_an_internal_error_not_a_wrong_pin(self, client, v1_awa):
        response = login(client)
        assert (response.status_code, response.get_json()["code"]) == (500, "internal_error")

    def test_costs_the_customer_no_attempt_and_keeps_the_hash(self, client, runtime, v1_awa):
        before = stored(runtime, v1_awa)
        for _ in range(4):
            login(client)
        with transaction(runtime) as session:
            awa = session.get(Customer, v1_awa.id)
            assert (awa.status, awa.failed_pin_attempts, awa.pin_hash) == ("active", 0, before)


@pytest.mark.postgres_only
def test_right_pins_racing_on_a_legacy_hash_all_sign_in_and_leave_one_good_hash(
    app, runtime, legacy_awa
):
    """Each check re-reads the hash under the row lock: the later ones see the upgrade."""

    def sign_in(_):
        return app.test_client().post(LOGIN, json={"msisdn": AWA, "pin": factories.PIN})

    codes = [r.status_code for r in together(8, sign_in)]

    assert codes == [200] * 8
    assert stored(runtime, legacy_awa).startswith("$pcpep$v2$")
    assert app.test_client().post(LOGIN, json={"msisdn": AWA, "pin": "2580"}).status_code == 200
