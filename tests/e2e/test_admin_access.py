"""/admin/staff and /admin/api-clients: an operator cuts access at once, restores it, and
replaces a leaked key; every change has a reason and is on the audit trail."""

import pytest

from app.audit.models import AuditEvent
from app.db import transaction
from tests import factories

REASON = {"reason": "Left the Poto-Poto office"}


@pytest.fixture
def admin(runtime):
    with transaction(runtime) as session:
        return factories.admin(session)


@pytest.fixture
def admin_headers(client, admin):
    return factories.headers_for(client.application, admin)


@pytest.fixture
def agent(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, username="agent.potopoto")


def disable(client, headers, kind, target_id, body=REASON):
    return client.post(f"/api/v1/admin/{kind}/{target_id}/disable", json=body, headers=headers)


def enable(client, headers, kind, target_id, body=REASON):
    return client.post(f"/api/v1/admin/{kind}/{target_id}/enable", json=body, headers=headers)


def events(runtime, action):
    with transaction(runtime) as session:
        return session.query(AuditEvent).filter(AuditEvent.action == action).all()


def sign_in(client, username):
    return client.post(
        "/api/v1/auth/agent/login",
        json={"username": username, "password": factories.PASSWORD, "totp": factories.totp_code()},
    )


# --- Staff -------------------------------------------------------------------------


def test_a_disabled_agent_is_signed_out_at_once(client, admin_headers, agent):
    token = factories.headers_for(client.application, agent)
    assert client.get("/api/v1/agent/float", headers=token).status_code == 200
    response = disable(client, admin_headers, "staff", agent.id)
    assert (response.status_code, response.get_json()["status"]) == (200, "disabled")
    assert client.get("/api/v1/agent/float", headers=token).status_code == 401


def test_a_disabled_agent_cannot_sign_in(client, admin_headers, agent):
    disable(client, admin_headers, "staff", agent.id)
    response = sign_in(client, "agent.potopoto")
    assert (response.status_code, response.get_json()["code"]) == (401, "unauthorized")


def test_an_enabled_agent_signs_in_again_but_old_tokens_stay_revoked(client, admin_headers, agent):
    old = factories.headers_for(client.application, agent)
    disable(client, admin_headers, "staff", agent.id)
    response = enable(client, admin_headers, "staff", agent.id)
    assert (response.status_code, response.get_json()["status"]) == (200, "active")
    assert client.get("/api/v1/agent/float", headers=old).status_code == 401
    assert sign_in(client, "agent.potopoto").status_code == 200


def test_disabling_twice_is_one_change_on_the_audit_trail(client, runtime, admin, agent):
    headers = factories.headers_for(client.application, admin)
    assert disable(client, headers, "staff", agent.id).status_code == 200
    assert disable(client, headers, "staff", agent.id).status_code == 200
    (event,) = events(runtime, "staff.disable")
    assert (event.actor_id, event.target_id) == (admin.id, agent.id)
    assert event.after["reason"] == "Left the Poto-Poto office"
    assert event.after["sessions_ended"] == 0


def test_an_admin_cannot_disable_their_own_account(client, runtime, admin, admin_headers):
    with transaction(runtime) as session:
        factories.admin(session)
    response = disable(client, admin_headers, "staff", admin.id)
    assert (response.status_code, response.get_json()["code"]) == (409, "conflict")


def test_one_admin_disables_another_who_is_signed_out(client, runtime, admin, admin_headers):
    with transaction(runtime) as session:
        other = factories.admin(session)
    their_token = factories.headers_for(client.application, other)
    assert disable(client, admin_headers, "staff", other.id).status_code == 200
    assert disable(client, their_token, "staff", admin.id).status_code == 401


def test_the_last_active_admin_cannot_be_disabled_from_the_command_line(app, runtime, admin):
    result = app.test_cli_runner().invoke(
        args=["users", "disable", admin.username, "--reason", "locking everyone out"]
    )
    assert result.exit_code != 0
    assert "The last active administrator cannot be disabled." in result.output
    with transaction(runtime) as session:
        assert session.get(type(admin), admin.id).status == "active"


def test_a_compromised_agent_is_disabled_from_the_command_line(app, client, agent):
    token = factories.headers_for(client.application, agent)
    result = app.test_cli_runner().invoke(
        args=["users", "disable", "agent.potopoto", "--reason", "phone stolen"]
    )
    assert (result.exit_code, result.output) == (
        0,
        "agent.potopoto disabled; signed out everywhere\n",
    )
    assert client.get("/api/v1/agent/float", headers=token).status_code == 401


def test_an_unknown_username_is_said_so_on_the_command_line(app, runtime):
    result = app.test_cli_runner().invoke(args=["users", "enable", "nobody", "--reason", "typo"])
    assert result.exit_code != 0
    assert "No staff member is called 'nobody'." in result.output


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x"}, {"reason": "y" * 201}])
def test_a_change_of_access_needs_a_reason(client, admin_headers, agent, body):
    response = disable(client, admin_headers, "staff", agent.id, body)
    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")
    assert sign_in(client, "agent.potopoto").status_code == 200


def test_an_unknown_staff_member_is_not_found(client, admin_headers):
    response = disable(client, admin_headers, "staff", "00000000-0000-0000-0000-000000000000")
    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_an_agent_cannot_disable_anyone(client, runtime, agent):
    with transaction(runtime) as session:
        colleague = factories.agent(session)
    headers = factories.headers_for(client.application, agent)
    response = disable(client, headers, "staff", colleague.id)
    assert (response.status_code, response.get_json()["code"]) == (403, "forbidden")


def test_staff_are_listed_by_username_and_filtered_by_status(client, admin_headers, agent):
    disable(client, admin_headers, "staff", agent.id)
    listed = client.get("/api/v1/admin/staff?status=disabled", headers=admin_headers).get_json()
    assert [(s["username"], s["role"], s["status"]) for s in listed["items"]] == [
        ("agent.potopoto", "agent", "disabled")
    ]
    assert listed["next_cursor"] is None


def test_the_staff_list_pages_with_a_cursor(client, runtime, admin_headers):
    with transaction(runtime) as session:
        for name in ("agent.a", "agent.b", "agent.c"):
            factories.agent(session, username=name)
    first = client.get("/api/v1/admin/staff?role=agent&limit=2", headers=admin_headers).get_json()
    assert [s["username"] for s in first["items"]] == ["agent.a", "agent.b"]
    url = f"/api/v1/admin/staff?role=agent&limit=2&cursor={first['next_cursor']}"
    second = client.get(url, headers=admin_headers).get_json()
    assert ([s["username"] for s in second["items"]], second["next_cursor"]) == (["agent.c"], None)


def test_an_unknown_status_filter_is_a_validation_error(client, admin_headers):
    response = client.get("/api/v1/admin/staff?status=gone", headers=admin_headers)
    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


# --- API clients ---------------------------------------------------------------------


@pytest.fixture
def payer(runtime):
    with transaction(runtime) as session:
        return factories.api_client(session, "payer", name="Caisse de retraite")


def batch_status(client, key):
    """404 when the key is accepted (no such batch), 401 when it is refused."""
    return client.get("/api/v1/disbursements/batches/1", headers={"X-API-Key": key}).status_code


def test_a_disabled_client_key_is_refused_from_the_next_request(client, admin_headers, payer):
    payer_client, key = payer
    assert batch_status(client, key) == 404
    response = disable(client, admin_headers, "api-clients", payer_client.id)
    assert (response.status_code, response.get_json()["status"]) == (200, "disabled")
    assert batch_status(client, key) == 401


def test_an_enabled_client_key_works_again(client, admin_headers, payer):
    payer_client, key = payer
    disable(client, admin_headers, "api-clients", payer_client.id)
    assert enable(client, admin_headers, "api-clients", payer_client.id).status_code == 200
    assert batch_status(client, key) == 404


def test_a_replaced_key_is_shown_once_and_the_old_one_refused(
    client, runtime, admin_headers, payer
):
    payer_client, old_key = payer
    response = client.post(
        f"/api/v1/admin/api-clients/{payer_client.id}/key", json=REASON, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    new_key = response.get_json()["api_key"]
    assert (batch_status(client, old_key), batch_status(client, new_key)) == (401, 404)
    (event,) = events(runtime, "api_client.rotate_key")
    assert event.before["prefix"] == old_key[:8]
    assert event.after["prefix"] == new_key[:8]
    assert new_key not in str(event.after)


def test_clients_are_listed_with_their_key_prefix_never_the_key(client, admin_headers, payer):
    payer_client, key = payer
    listed = client.get("/api/v1/admin/api-clients?role=payer", headers=admin_headers)
    (item,) = listed.get_json()["items"]
    assert (item["id"], item["name"], item["status"]) == (
        payer_client.id,
        "Caisse de retraite",
        "active",
    )
    assert item["key_prefix"] == key[:8]
    assert key not in listed.get_data(as_text=True)


def test_the_client_list_pages_by_name(client, runtime, admin_headers):
    with transaction(runtime) as session:
        for name in ("Boutique C", "Boutique A", "Boutique B"):
            factories.api_client(session, "merchant", name=name)
    url = "/api/v1/admin/api-clients?role=merchant&limit=2"
    first = client.get(url, headers=admin_headers).get_json()
    second = client.get(f"{url}&cursor={first['next_cursor']}", headers=admin_headers).get_json()
    names = [c["name"] for c in first["items"] + second["items"]]
    assert (names, second["next_cursor"]) == (["Boutique A", "Boutique B", "Boutique C"], None)


def test_a_cursor_that_is_not_a_client_is_a_validation_error(client, admin_headers):
    response = client.get("/api/v1/admin/api-clients?cursor=nope", headers=admin_headers)
    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_an_unknown_client_is_not_found(client, admin_headers):
    response = client.post("/api/v1/admin/api-clients/nope/key", json=REASON, headers=admin_headers)
    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_a_leaked_key_is_replaced_from_the_command_line(app, client, payer):
    payer_client, old_key = payer
    result = app.test_cli_runner().invoke(
        args=["api-clients", "rotate-key", payer_client.id, "--reason", "key leaked"]
    )
    assert result.exit_code == 0, result.output
    new_key = result.output.strip().splitlines()[-1]
    assert (batch_status(client, old_key), batch_status(client, new_key)) == (401, 404)
