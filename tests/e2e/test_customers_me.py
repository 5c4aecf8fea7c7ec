"""GET /me, GET /me/balance, POST /me/pin: the signed-in customer's own data."""

from datetime import timedelta

import pytest

from app import ledger
from app.db import transaction
from app.ledger import chart
from tests import factories


@pytest.fixture
def awa_balance():
    return 25_000


@pytest.fixture
def awa_msisdn():
    return "+242061234567"


@pytest.fixture
def headers(client, awa):
    return factories.login(client, "+242061234567")


def test_the_profile_shows_tier_and_limits_with_todays_usage(client, headers, awa):
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["msisdn"] == "+242061234567"
    assert me["display_name"] == "Awa M."
    assert me["kyc_tier"] == "basic"
    assert me["limits"] == {
        "tier": "basic",
        "currency": "XAF",
        "balance": 200_000,
        "single": 100_000,
        "daily": 200_000,
        "monthly": 1_000_000,
        "daily_used": 0,
        "monthly_used": 0,
        "daily_remaining": 200_000,
        "monthly_remaining": 1_000_000,
    }


def test_the_balance_shows_available_pending_and_posted(client, runtime, clock, headers, awa):
    with transaction(runtime) as session:  # 5 000 reserved by a payment awaiting its OTP
        ledger.hold_entry(
            session,
            key=factories.key(),
            kind="p2p",
            legs=[
                ledger.debit(chart.wallet(awa.id), 5_000),
                ledger.credit(chart.fees("p2p"), 5_000),
            ],
            expires_at=clock.now() + timedelta(minutes=5),
        )
    balance = client.get("/api/v1/me/balance", headers=headers).get_json()
    assert balance == {"available": 20_000, "pending": 5_000, "posted": 25_000, "currency": "XAF"}


def test_changing_the_pin_needs_the_old_one(client, headers):
    response = client.post(
        "/api/v1/me/pin", json={"old_pin": "1470", "new_pin": "3690"}, headers=headers
    )
    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_pin"
    assert response.get_json()["attempts_left"] == 2


def test_after_a_pin_change_the_new_pin_signs_in_and_the_old_does_not(client, headers):
    response = client.post(
        "/api/v1/me/pin", json={"old_pin": "2580", "new_pin": "3690"}, headers=headers
    )
    assert response.status_code == 204
    assert (
        client.post("/api/v1/auth/login", json={"msisdn": "061234567", "pin": "3690"}).status_code
        == 200
    )
    old = client.post("/api/v1/auth/login", json={"msisdn": "061234567", "pin": "2580"})
    assert old.get_json()["code"] == "invalid_pin"


def test_a_pin_change_signs_out_every_other_session_but_this_one(client, headers):
    other_device = factories.login(client, "+242061234567")
    client.post("/api/v1/me/pin", json={"old_pin": "2580", "new_pin": "3690"}, headers=headers)
    assert client.get("/api/v1/me", headers=other_device).status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 200


@pytest.mark.parametrize("new_pin", ["1111", "4321", "12", "2580"])
def test_a_trivial_malformed_or_unchanged_new_pin_is_refused(client, headers, new_pin):
    response = client.post(
        "/api/v1/me/pin", json={"old_pin": "2580", "new_pin": new_pin}, headers=headers
    )
    assert response.status_code == 400
    assert "new_pin" in response.get_json()["errors"]


def test_a_trivial_new_pin_does_not_cost_an_attempt(client, headers):
    client.post("/api/v1/me/pin", json={"old_pin": "1470", "new_pin": "0000"}, headers=headers)
    wrong = client.post(
        "/api/v1/me/pin", json={"old_pin": "1470", "new_pin": "3690"}, headers=headers
    )
    assert wrong.get_json()["attempts_left"] == 2


def test_three_wrong_old_pins_lock_the_account_and_end_the_session(client, headers):
    for _ in range(3):
        last = client.post(
            "/api/v1/me/pin", json={"old_pin": "1470", "new_pin": "3690"}, headers=headers
        )
    assert last.get_json()["code"] == "account_locked"
    assert client.get("/api/v1/me", headers=headers).status_code == 401
