"""Demo organisations with fixed API keys (docs/DEMO.md), and ``flask merchants create``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import ledger
from app.auth.api_keys import ApiClient, authenticate_api_key, give_demo_key
from app.db import transaction
from app.demo import PARTNER_KEY
from app.ledger import chart
from app.seed import DEMO_API_KEYS, seed

DEVELOPMENT = [{"APP_ENV": "development"}]


def seed_demo(runtime) -> None:
    with transaction(runtime) as session:
        seed(session, demo=True)


@pytest.mark.parametrize("config_overrides", DEVELOPMENT)
def test_every_demo_key_signs_in_as_its_organisation(runtime):
    seed_demo(runtime)
    with transaction(runtime) as session:
        for role, _who, key in DEMO_API_KEYS:
            assert authenticate_api_key(session, key).role == role
    assert {role for role, _who, _key in DEMO_API_KEYS} == {
        "merchant",
        "biller",
        "partner",
        "payer",
    }


@pytest.mark.parametrize("config_overrides", DEVELOPMENT)
def test_seeding_twice_makes_one_of_each_and_funds_once(runtime):
    seed_demo(runtime)
    seed_demo(runtime)
    with transaction(runtime) as session:
        counts = dict(
            session.execute(select(ApiClient.role, func.count()).group_by(ApiClient.role)).all()
        )
        partner = authenticate_api_key(session, PARTNER_KEY)
        prefunding = ledger.balance(session, chart.partner(partner.id)).posted
    assert (counts["merchant"], counts["partner"], counts["payer"]) == (1, 1, 1)
    assert prefunding == 5_000_000


@pytest.mark.parametrize("config_overrides", DEVELOPMENT)
def test_a_demo_key_is_usable_over_http(client, runtime):
    seed_demo(runtime)
    merchant_key = next(key for role, _who, key in DEMO_API_KEYS if role == "merchant")
    anonymous = client.get("/api/v1/merchant/payment-requests/00000000-0000-0000-0000-000000000000")
    signed = client.get(
        "/api/v1/merchant/payment-requests/00000000-0000-0000-0000-000000000000",
        headers={"X-API-Key": merchant_key},
    )
    assert anonymous.status_code == 401
    assert signed.status_code == 404  # signed in: the request does not exist


def test_outside_development_no_demo_key_exists(runtime):
    seed_demo(runtime)  # APP_ENV=testing: the demo people, never the fixed keys
    with transaction(runtime) as session:
        for _role, _who, key in DEMO_API_KEYS:
            with pytest.raises(Exception, match="Invalid API key"):
                authenticate_api_key(session, key)


def test_a_demo_key_is_refused_outside_development(runtime):
    with transaction(runtime) as session, pytest.raises(RuntimeError, match="development only"):
        client = ApiClient(id="x", role="partner", name="x")
        give_demo_key(session, client, PARTNER_KEY)


@pytest.mark.parametrize("config_overrides", DEVELOPMENT)
def test_flask_seed_says_where_the_demo_credentials_are(app):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "docs/DEMO.md" in result.output
    for _role, _who, key in DEMO_API_KEYS:
        assert key in result.output


@pytest.mark.parametrize("config_overrides", DEVELOPMENT)
def test_flask_seed_names_every_demo_sign_in_of_the_web_areas(app):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    for username in ("agent.potopoto", "chef.potopoto", "ops.siege", "ops.controle", "audit.siege"):
        assert f"username {username}," in result.output
    assert "Demo portal customer (/compte/connexion): Awa Mabiala, number +242061234567" in (
        result.output
    )


def test_flask_seed_prints_no_key_outside_development(app):
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    assert "demo-" not in result.output


def test_the_command_line_registers_a_merchant_and_prints_its_key_once(app, runtime):
    result = app.test_cli_runner().invoke(
        args=["merchants", "create", "--name", "Boulangerie Mami Wata", "--fee-rate", "150"]
    )
    assert result.exit_code == 0, result.output
    assert "merchant Boulangerie Mami Wata created" in result.output
    key = result.output.splitlines()[2]
    with transaction(runtime) as session:
        principal = authenticate_api_key(session, key)
        assert principal.role == "merchant"
        assert ledger.balance(session, chart.merchant(principal.id)).posted == 0


def test_the_merchant_command_says_what_is_wrong(app):
    result = app.test_cli_runner().invoke(
        args=["merchants", "create", "--name", "X", "--fee-rate", "99999"]
    )
    assert result.exit_code != 0
    assert "fee_rate" in result.output
