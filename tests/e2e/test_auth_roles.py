"""Role checks: every identity route admits its roles and no one else.

No credentials → 401; valid credentials of another role → 403. A customer only
ever reaches their own data: /me reads the id from the token, and the routes
that take a customer id belong to agents and admins.
"""

import re

import pytest

from app.db import transaction
from tests import factories

ROLES = ("customer", "agent", "admin", "partner", "payer")

# (method, path, roles allowed); {customer} is another customer's id.
ROUTES = [
    ("POST", "/api/v1/auth/logout", {"customer", "agent", "admin"}),
    ("GET", "/api/v1/me", {"customer"}),
    ("GET", "/api/v1/me/balance", {"customer"}),
    ("POST", "/api/v1/me/pin", {"customer"}),
    ("POST", "/api/v1/customers/{customer}/kyc", {"agent"}),
    ("POST", "/api/v1/customers/{customer}/unlock", {"agent", "admin"}),
    ("POST", "/api/v1/admin/agents", {"admin"}),
    ("POST", "/api/v1/admin/partners", {"admin"}),
    ("POST", "/api/v1/admin/payers", {"admin"}),
    ("GET", "/api/v1/admin/ledger/trial-balance", {"admin"}),
    ("GET", "/api/v1/admin/ledger/check", {"admin"}),
]


@pytest.fixture
def people(client, runtime):
    app = client.application
    with transaction(runtime) as session:
        me = factories.customer(session)
        other = factories.customer(session, first_name="Bruno", last_name="Ngoma")
        agent = factories.agent(session)
        admin = factories.admin(session)
        _partner, partner_key = factories.api_client(session, "partner")
        _payer, payer_key = factories.api_client(session, "payer")
    return {
        "other": other,
        "headers": {
            "customer": factories.headers_for(app, me),
            "agent": factories.headers_for(app, agent),
            "admin": factories.headers_for(app, admin),
            "partner": {"X-API-Key": partner_key},
            "payer": {"X-API-Key": payer_key},
        },
    }


def call(client, method, path, headers=None):
    return client.open(path, method=method, json={}, headers=headers or {})


@pytest.mark.parametrize("method,path,allowed", ROUTES)
def test_no_credentials_is_unauthorized(client, people, method, path, allowed):
    response = call(client, method, path.format(customer=people["other"].id))
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"


@pytest.mark.parametrize("method,path,allowed", ROUTES)
def test_each_role_is_let_in_or_forbidden(client, people, method, path, allowed):
    url = path.format(customer=people["other"].id)
    for role in ROLES:
        response = call(client, method, url, people["headers"][role])
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.get_json())
        else:
            assert response.status_code == 403, (role, response.get_json())
            assert response.get_json()["code"] == "forbidden"


def test_a_customer_sees_only_their_own_profile_and_balance(client, people):
    headers = people["headers"]["customer"]
    assert client.get("/api/v1/me", headers=headers).get_json()["id"] != people["other"].id
    balance = client.get("/api/v1/me/balance", headers=headers).get_json()
    assert set(balance) == {"available", "pending", "posted", "currency"}


def test_a_customer_cannot_act_on_another_customer(client, people):
    other = people["other"].id
    headers = people["headers"]["customer"]
    kyc = {"tier": "standard", "id_type": "passport", "id_number": "OA1234567"}
    assert (
        client.post(f"/api/v1/customers/{other}/kyc", json=kyc, headers=headers).status_code == 403
    )
    assert client.post(f"/api/v1/customers/{other}/unlock", headers=headers).status_code == 403


def _rules(app, prefix):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "x", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


@pytest.mark.parametrize("prefix", ["/api/v1/me", "/api/v1/admin"])
def test_every_me_and_admin_route_needs_credentials(client, prefix):
    routes = list(_rules(client.application, prefix))
    assert routes
    for method, path in routes:
        response = call(client, method, path)
        assert response.status_code == 401, (method, path, response.status_code)


def test_no_admin_route_lets_a_customer_or_an_agent_in(client, people):
    for method, path in _rules(client.application, "/api/v1/admin"):
        for role in ("customer", "agent", "partner"):
            response = call(client, method, path, people["headers"][role])
            assert response.status_code == 403, (role, method, path, response.status_code)
