"""POST /auth/agent/login: username, password and a single-use 30-second TOTP code."""

import pyotp
import pytest

from app.db import transaction
from tests import factories

LOGIN = "/api/v1/auth/agent/login"


@pytest.fixture
def agent(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, username="agent.potopoto")


def login(client, username="agent.potopoto", password=factories.PASSWORD, code=None):
    code = factories.totp_code() if code is None else code
    return client.post(LOGIN, json={"username": username, "password": password, "totp": code})


def test_password_and_current_code_give_an_eight_hour_agent_token(client, agent):
    response = login(client)
    assert response.status_code == 200
    token = response.get_json()
    assert (token["role"], token["expires_in"]) == ("agent", 8 * 3600)


def test_an_admin_signs_in_at_the_same_endpoint_with_the_admin_role(client, runtime):
    with transaction(runtime) as session:
        factories.admin(session, username="admin")
    assert login(client, username="admin").get_json()["role"] == "admin"


def test_the_username_is_not_case_sensitive(client, agent):
    assert login(client, username="Agent.PotoPoto").status_code == 200


def test_the_code_of_the_previous_step_is_accepted_for_clock_drift(client, agent, clock):
    previous = factories.totp_code()
    clock.advance(seconds=30)
    assert login(client, code=previous).status_code == 200


def test_a_code_two_steps_old_is_refused(client, agent, clock):
    old = factories.totp_code()
    clock.advance(seconds=60)
    assert login(client, code=old).status_code == 401


def test_a_code_signs_in_only_once(client, agent):
    code = factories.totp_code()
    assert login(client, code=code).status_code == 200
    replay = login(client, code=code)
    assert replay.status_code == 401
    assert replay.get_json()["code"] == "unauthorized"


def test_an_older_code_cannot_be_used_after_a_newer_one(client, agent, clock):
    older = factories.totp_code()
    clock.advance(seconds=30)
    assert login(client).status_code == 200
    assert login(client, code=older).status_code == 401


def test_the_next_step_signs_in_again(client, agent, clock):
    assert login(client).status_code == 200
    clock.advance(seconds=30)
    assert login(client).status_code == 200


def test_a_wrong_code_is_refused_without_saying_which_factor_failed(client, agent):
    wrong_code = login(client, code=pyotp.TOTP(pyotp.random_base32()).now())
    wrong_password = login(client, password="not-the-password")
    unknown_user = login(client, username="nobody.here")
    details = {r.get_json()["detail"] for r in (wrong_code, wrong_password, unknown_user)}
    assert {r.status_code for r in (wrong_code, wrong_password, unknown_user)} == {401}
    assert details == {"Invalid username, password or code."}


def test_a_refused_code_does_not_burn_the_step(client, agent):
    assert login(client, password="not-the-password").status_code == 401
    assert login(client).status_code == 200


def test_a_disabled_agent_cannot_sign_in(client, runtime, agent):
    with transaction(runtime) as session:
        from app.agents.staff import get_agent

        get_agent(session, agent.id).status = "disabled"
    assert login(client).status_code == 401


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_a_malformed_code_is_a_validation_error(client, agent, code):
    response = login(client, code=code)
    assert response.status_code == 400
    assert "totp" in response.get_json()["errors"]


def test_an_agent_token_lasts_eight_hours(client, agent, clock):
    headers = factories.bearer(login(client).get_json()["access_token"])
    clock.advance(hours=7, minutes=59)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    headers = factories.staff_login(client, "agent.potopoto")
    clock.advance(hours=8)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 401


def test_staff_logout_revokes_the_token(client, runtime, agent):
    headers = factories.bearer(login(client).get_json()["access_token"])
    with transaction(runtime) as session:
        customer = factories.customer(session)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = client.post(f"/api/v1/customers/{customer.id}/unlock", headers=headers)
    assert response.status_code == 401
