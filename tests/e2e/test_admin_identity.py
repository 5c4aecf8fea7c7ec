"""/admin: creating agents, partners and payers; reading the ledger's health."""

from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.ledger.checks import CheckResult
from tests import factories


@pytest.fixture
def admin_headers(client, runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    return factories.headers_for(client.application, admin)


def new_agent(**overrides):
    data = {
        "username": "agent.ouenze",
        "password": "guichet-ouenze-2026",
        "post_office": "Bureau de poste de Ouenzé",
        "post_office_code": "BZV-OZ",
    }
    data.update(overrides)
    return data


def test_creating_an_agent_returns_the_totp_uri_once(client, admin_headers):
    response = client.post("/api/v1/admin/agents", json=new_agent(), headers=admin_headers)
    assert response.status_code == 201
    agent = response.get_json()
    assert agent["username"] == "agent.ouenze"
    assert agent["post_office"] == "Bureau de poste de Ouenzé"
    assert agent["otpauth_uri"].startswith("otpauth://totp/PostCash:agent.ouenze?")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_new_agent_signs_in_with_the_enrolled_authenticator(client, clock, admin_headers):
    agent = client.post("/api/v1/admin/agents", json=new_agent(), headers=admin_headers).get_json()
    secret = parse_qs(urlparse(agent["otpauth_uri"]).query)["secret"][0]
    code = pyotp.TOTP(secret).at(clock.now())
    response = client.post(
        "/api/v1/auth/agent/login",
        json={"username": "agent.ouenze", "password": "guichet-ouenze-2026", "totp": code},
    )
    assert response.get_json()["role"] == "agent"


def test_a_new_agent_has_an_empty_float_that_cannot_be_overdrawn(client, runtime, admin_headers):
    agent = client.post("/api/v1/admin/agents", json=new_agent(), headers=admin_headers).get_json()
    with transaction(runtime) as session:
        account = ledger.get_account(session, chart.float_account(agent["id"]))
        assert (account.type, account.allow_overdraft, account.posted_balance) == (
            "liability",
            False,
            0,
        )


def test_a_taken_username_is_a_conflict(client, admin_headers):
    client.post("/api/v1/admin/agents", json=new_agent(), headers=admin_headers)
    again = client.post("/api/v1/admin/agents", json=new_agent(), headers=admin_headers)
    assert again.status_code == 409


@pytest.mark.parametrize(
    "field,value",
    [
        ("username", "AB"),
        ("username", "with space"),
        ("password", "short"),
        ("post_office", ""),
        ("post_office_code", "bzv pp"),
    ],
)
def test_bad_agent_fields_are_validation_errors(client, admin_headers, field, value):
    response = client.post(
        "/api/v1/admin/agents", json=new_agent(**{field: value}), headers=admin_headers
    )
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_a_partner_gets_an_api_key_once_and_a_prefunding_account(client, runtime, admin_headers):
    response = client.post(
        "/api/v1/admin/partners",
        json={"name": "Transfert Express Europe", "country": "fr"},
        headers=admin_headers,
    )
    assert response.status_code == 201
    partner = response.get_json()
    assert (partner["name"], partner["country"]) == ("Transfert Express Europe", "FR")
    assert len(partner["api_key"]) >= 40
    with transaction(runtime) as session:
        account = ledger.get_account(session, chart.partner(partner["id"]))
        assert (account.type, account.allow_overdraft) == ("liability", False)


def test_a_partner_key_authenticates_as_that_partner(client, runtime, admin_headers):
    from app.auth.api_keys import authenticate_api_key

    partner = client.post(
        "/api/v1/admin/partners",
        json={"name": "Sahel Transfer", "country": "SN"},
        headers=admin_headers,
    ).get_json()
    with transaction(runtime) as session:
        principal = authenticate_api_key(session, partner["api_key"])
    assert (principal.role, principal.id) == ("partner", partner["id"])


@pytest.mark.parametrize("country", ["XX", "FRA", "", "ZZ"])
def test_a_partner_needs_a_real_country_code(client, admin_headers, country):
    response = client.post(
        "/api/v1/admin/partners",
        json={"name": "Nowhere Ltd", "country": country},
        headers=admin_headers,
    )
    assert response.status_code == 400
    assert "country" in response.get_json()["errors"]


def test_a_payer_gets_an_api_key_and_a_prefunding_account(client, runtime, admin_headers):
    response = client.post(
        "/api/v1/admin/payers", json={"name": "Caisse de retraite"}, headers=admin_headers
    )
    assert response.status_code == 201
    payer = response.get_json()
    assert set(payer) == {"id", "name", "api_key"}
    with transaction(runtime) as session:
        account = ledger.get_account(session, chart.payer(payer["id"]))
        assert (account.type, account.allow_overdraft) == ("liability", False)


def test_the_trial_balance_lists_each_account_type_and_balances(client, runtime, admin_headers):
    with transaction(runtime) as session:
        factories.customer(session, balance=12_500)
    body = client.get("/api/v1/admin/ledger/trial-balance", headers=admin_headers).get_json()
    assert body["balanced"] is True
    rows = {row["type"]: row for row in body["rows"]}
    assert rows["asset"] == {"type": "asset", "currency": "XAF", "debits": 12_500, "credits": 0}
    assert rows["liability"]["credits"] == 12_500


def test_the_ledger_check_reports_every_invariant_ok(client, runtime, admin_headers):
    with transaction(runtime) as session:
        factories.customer(session, balance=5_000)
    body = client.get("/api/v1/admin/ledger/check", headers=admin_headers).get_json()
    assert body["ok"] is True
    names = {check["name"] for check in body["checks"]}
    assert {
        "entries_balanced",
        "trial_balance_zero",
        "cached_totals_match",
        "no_overdraft",
    } <= names
    assert all(check["offending"] == [] for check in body["checks"])


def test_the_ledger_check_shows_a_failing_check_with_its_rows(client, admin_headers, monkeypatch):
    from app.ledger import checks

    broken = CheckResult("remit_payable_matches", False, [{"remittance": "R1", "difference": 5}])
    monkeypatch.setitem(checks._extra_checks, "remit_payable_matches", lambda session: broken)
    body = client.get("/api/v1/admin/ledger/check", headers=admin_headers).get_json()
    assert body["ok"] is False
    failing = [check for check in body["checks"] if not check["ok"]]
    assert failing == [
        {
            "name": "remit_payable_matches",
            "ok": False,
            "offending": [{"remittance": "R1", "difference": 5}],
        }
    ]
