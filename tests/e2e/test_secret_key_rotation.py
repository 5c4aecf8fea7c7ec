"""Rotating SECRET_KEY (docs/DEPLOY.md): the retired key in SECRET_KEY_PREVIOUS keeps
what it sealed readable, new data is sealed under the new key, and `flask secrets
reseal` moves the old data over so the retired key can go."""

from __future__ import annotations

import pytest

from app import secretbox
from app.config import Config
from app.db import transaction
from tests import factories
from tests.e2e.test_remittances_counter import JEAN, pay_out, send_cash

API = "/api/v1"
NEW_KEY = "the-new-secret-key-0123456789abcdef-rotated"


@pytest.fixture
def rotate(runtime):
    """Turn the app's key into NEW_KEY, keeping the old one listed (or not)."""
    config = runtime.config
    old = config.SECRET_KEY

    def _rotate(keep_previous: bool = True) -> None:
        config.SECRET_KEY = NEW_KEY
        config.SECRET_KEY_PREVIOUS = [old] if keep_previous else []
        secretbox.use_keys(NEW_KEY, config.SECRET_KEY_PREVIOUS)

    yield _rotate
    config.SECRET_KEY, config.SECRET_KEY_PREVIOUS = old, []
    secretbox.use_keys(NEW_KEY, [])


def test_a_retired_key_opens_what_it_sealed_and_seals_nothing_new():
    sealed = secretbox.seal("key-one", "demo", "hello")
    secretbox.use_keys("key-two", ["key-one"])
    assert secretbox.unseal("key-two", "demo", sealed) == "hello"
    fresh = secretbox.seal("key-two", "demo", "hello")
    secretbox.use_keys("key-two", [])
    assert secretbox.unseal("key-two", "demo", fresh) == "hello"
    with pytest.raises(secretbox.InvalidToken):
        secretbox.unseal("key-two", "demo", sealed)


def test_reseal_moves_a_token_to_the_current_key():
    sealed = secretbox.seal("key-a", "demo", "hello")
    secretbox.use_keys("key-b", ["key-a"])
    moved = secretbox.reseal("key-b", "demo", sealed)
    secretbox.use_keys("key-b", [])
    assert secretbox.unseal("key-b", "demo", moved) == "hello"


def test_the_previous_keys_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY_PREVIOUS", "older-key-1, older-key-2")
    assert Config.from_env().SECRET_KEY_PREVIOUS == ["older-key-1", "older-key-2"]


def test_staff_sign_in_with_their_totp_across_a_rotation(client, runtime, rotate):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    rotate()
    headers = factories.staff_login(client, agent.username)
    assert client.get(f"{API}/agent/float", headers=headers).status_code == 200


def test_without_the_previous_key_the_old_totp_secret_is_unreadable(client, runtime, rotate):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    rotate(keep_previous=False)
    response = client.post(
        f"{API}/auth/agent/login",
        json={
            "username": agent.username,
            "password": factories.PASSWORD,
            "totp": factories.totp_code(),
        },
    )
    assert response.status_code != 200


def test_a_remittance_code_sent_before_the_rotation_is_paid_after_it(client, app, runtime, rotate):
    with transaction(runtime) as session:
        counter = factories.agent(session, float_balance=200_000)
    assert send_cash(client, app, counter).status_code == 201
    code = factories.sms_code(app, JEAN)
    rotate()
    response = pay_out(client, app, counter, code)
    assert response.status_code == 200, response.get_json()


def test_a_retry_after_the_rotation_is_replayed_not_refused(client, app, runtime, awa, rotate):
    with transaction(runtime) as session:
        bruno = factories.customer(session)
    headers = {**factories.headers_for(app, awa), "Idempotency-Key": "rotation-retry"}
    body = {"type": "p2p", "to": bruno.msisdn, "amount": 1_000}
    first = client.post(f"{API}/transfers", json=body, headers=headers)
    rotate()
    again = client.post(f"{API}/transfers", json=body, headers=headers)
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    assert again.headers["Idempotent-Replayed"] == "true"


def test_reseal_lets_the_retired_key_go(client, app, runtime, rotate):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    rotate()
    result = app.test_cli_runner().invoke(args=["secrets", "reseal"])
    assert result.exit_code == 0, result.output
    assert "staff_users: 1 resealed, 0 unreadable" in result.output
    runtime.config.SECRET_KEY_PREVIOUS = []
    secretbox.use_keys(NEW_KEY, [])
    headers = factories.staff_login(client, agent.username)
    assert client.get(f"{API}/agent/float", headers=headers).status_code == 200
