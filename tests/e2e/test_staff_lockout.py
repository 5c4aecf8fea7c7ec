"""Staff sign-in lockout: five failures in a row lock the account until an admin unlocks it;
every failure is audited (never the password or the code); locks and bursts alert on-call."""

import json
import logging

import pyotp
import pytest
from sqlalchemy import select

from app.agents.models import StaffUser
from app.audit import AuditEvent
from app.db import transaction
from tests import factories
from tests.integration.test_reconciliation_alerts import Receiver

LOGIN = "/api/v1/auth/agent/login"
WRONG_CODE = pyotp.TOTP(pyotp.random_base32()).now()


@pytest.fixture
def agent(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, username="agent.potopoto")


@pytest.fixture
def admin_headers(runtime, client):
    with transaction(runtime) as session:
        factories.admin(session, username="chef")
    return factories.staff_login(client, "chef")


def login(client, username="agent.potopoto", password=factories.PASSWORD, code=None):
    code = factories.totp_code() if code is None else code
    return client.post(LOGIN, json={"username": username, "password": password, "totp": code})


def fail(client, times, **wrong):
    wrong = wrong or {"password": "not-the-password"}
    return [login(client, **wrong).status_code for _ in range(times)]


def staff_row(runtime, staff_id):
    with transaction(runtime) as session:
        row = session.get(StaffUser, staff_id)
        return row.failed_logins, row.locked_at


def events(runtime, action):
    with transaction(runtime) as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        return [(r.target_id, r.ip, r.after) for r in rows]


def test_five_failures_in_a_row_lock_the_account(client, runtime, agent):
    assert fail(client, 5) == [401] * 5
    refused = login(client)
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "account_locked"
    assert staff_row(runtime, agent.id)[1] is not None


def test_wrong_codes_and_wrong_passwords_count_together(client, agent):
    assert fail(client, 3, code=WRONG_CODE) + fail(client, 2) == [401] * 5
    assert login(client).get_json()["code"] == "account_locked"


def test_a_success_starts_the_count_over(client, runtime, agent, clock):
    fail(client, 4)
    assert login(client).status_code == 200
    assert staff_row(runtime, agent.id) == (0, None)
    clock.advance(seconds=30)
    fail(client, 4)
    assert login(client).status_code == 200


def test_a_locked_account_is_not_asked_its_password(client, runtime, agent):
    fail(client, 5)
    assert fail(client, 3) == [422] * 3
    assert staff_row(runtime, agent.id)[0] == 5


def test_a_replayed_code_counts_as_a_failure(client, runtime, agent):
    code = factories.totp_code()
    assert login(client, code=code).status_code == 200
    assert login(client, code=code).status_code == 401
    assert staff_row(runtime, agent.id)[0] == 1


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(client, agent):
    unknown = login(client, username="nobody.here")
    wrong = login(client, password="not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    assert {k: v for k, v in unknown.get_json().items()} == wrong.get_json()


def test_an_unknown_username_locks_like_a_real_one(client):
    assert fail(client, 5, username="nobody.here") == [401] * 5
    refused = login(client, username="nobody.here")
    assert (refused.status_code, refused.get_json()["code"]) == (422, "account_locked")


def test_every_failure_is_audited_without_the_password_or_the_code(client, runtime, agent):
    client.post(
        LOGIN,
        json={"username": "agent.potopoto", "password": "hunter2-secret", "totp": WRONG_CODE},
        environ_base={"REMOTE_ADDR": "41.202.1.7"},
    )
    login(client, code=WRONG_CODE)
    login(client, username="nobody.here")
    failures = events(runtime, "staff.login_failed")
    assert [(target, after["reason"]) for target, _ip, after in failures] == [
        (agent.id, "password"),
        (agent.id, "totp"),
        (None, "unknown_username"),
    ]
    assert failures[0][1] == "41.202.1.7"
    trail = json.dumps(failures)
    assert "hunter2-secret" not in trail and WRONG_CODE not in trail


def test_a_lock_is_audited(client, runtime, agent):
    fail(client, 5)
    ((target, _ip, after),) = events(runtime, "staff.lock")
    assert (target, after["locked"], after["failures_in_a_row"]) == (agent.id, True, 5)


def test_an_admin_unlocks_the_account_with_a_reason(client, runtime, agent, admin_headers):
    fail(client, 5)
    response = client.post(
        f"/api/v1/admin/staff/{agent.id}/unlock",
        json={"reason": "Called the agent back; typo in the password"},
        headers=admin_headers,
    )
    assert response.status_code == 200
    assert response.get_json()["locked_at"] is None
    assert login(client).status_code == 200
    ((target, _ip, after),) = events(runtime, "staff.unlock")
    assert (target, after["reason"]) == (agent.id, "Called the agent back; typo in the password")


def test_the_staff_list_shows_who_is_locked(client, agent, admin_headers):
    fail(client, 5)
    items = client.get("/api/v1/admin/staff?role=agent", headers=admin_headers).get_json()["items"]
    assert items[0]["locked_at"] is not None


def test_unlocking_needs_a_reason(client, agent, admin_headers):
    response = client.post(f"/api/v1/admin/staff/{agent.id}/unlock", json={}, headers=admin_headers)
    assert response.status_code == 400


def test_an_agent_cannot_unlock(client, runtime, agent):
    with transaction(runtime) as session:
        other = factories.agent(session)
    headers = factories.headers_for(client.application, other)
    response = client.post(
        f"/api/v1/admin/staff/{agent.id}/unlock", json={"reason": "me"}, headers=headers
    )
    assert response.status_code == 403


def test_the_shell_unlocks_too(app, client, runtime, agent):
    fail(client, 5)
    result = app.test_cli_runner().invoke(
        args=["users", "unlock", "agent.potopoto", "--reason", "all admins locked out"]
    )
    assert result.exit_code == 0, result.output
    assert login(client).status_code == 200
    ((_target, _ip, after),) = events(runtime, "staff.unlock")
    assert after["reason"] == "all admins locked out"


def test_failures_are_counted_for_prometheus(client, agent):
    fail(client, 5)
    login(client)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'postcash_staff_login_failures_total{reason="locked"}' in metrics
    assert "postcash_staff_lockouts_total" in metrics


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.mark.parametrize("config_overrides", [{}])
def test_a_lock_pages_on_call_and_logs_an_error(client, app, agent, receiver, caplog):
    app.extensions["postcash"].config.ONCALL_WEBHOOK_URL = receiver.url
    with caplog.at_level(logging.WARNING):
        fail(client, 5)
    (request,) = receiver.requests
    assert request["body"]["event"] == "staff.locked"
    assert request["body"]["staff_id"] == agent.id
    assert any(r.levelno == logging.ERROR and "locked" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("config_overrides", [{"STAFF_LOGIN_BURST": 3}])
def test_a_burst_of_failures_across_accounts_pages_on_call_once(
    client, app, runtime, receiver, config_overrides
):
    app.extensions["postcash"].config.ONCALL_WEBHOOK_URL = receiver.url
    with transaction(runtime) as session:
        names = [factories.agent(session).username for _ in range(4)]
    for name in names:
        login(client, username=name, password="not-the-password")
    (request,) = receiver.requests
    assert request["body"]["event"] == "staff.login_failures_burst"
    assert request["body"]["failures"] == 3
