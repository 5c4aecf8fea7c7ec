"""The biller registry: POST /admin/billers and ``flask billers create``."""

import pytest

from app import ledger
from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.e2e.cyber_support import API

LCDE = {
    "code": "LCDE",
    "name": "La Congolaise des Eaux",
    "category": "utility",
    "reference_pattern": r"\d{9}",
    "reference_hint": "Numéro de police LCDE (9 chiffres)",
    "reference_example": "204518733",
}


@pytest.fixture
def admin_headers(app, runtime):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    return factories.headers_for(app, admin)


def test_an_admin_registers_a_biller_with_its_account_and_keys(client, runtime, admin_headers):
    response = client.post(f"{API}/admin/billers", json=LCDE, headers=admin_headers)

    assert response.status_code == 201
    body = response.get_json()
    assert (body["code"], body["fixed_amount"], body["webhook_url"]) == ("LCDE", None, None)
    assert body["api_key"] and body["webhook_secret"]
    assert response.headers["Cache-Control"] == "no-store"
    with transaction(runtime) as session:
        account = ledger.get_account(session, chart.biller("LCDE"))
        assert (account.type, account.allow_overdraft) == ("liability", False)
    listed = client.get(f"{API}/billers").get_json()["items"]
    assert [b["code"] for b in listed] == ["LCDE"]


def test_a_biller_code_is_unique(client, admin_headers):
    client.post(f"{API}/admin/billers", json=LCDE, headers=admin_headers)

    again = client.post(f"{API}/admin/billers", json=LCDE, headers=admin_headers)

    assert (again.status_code, again.get_json()["code"]) == (409, "conflict")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reference_pattern": "(\\d"}, "reference_pattern"),
        ({"reference_example": "12"}, "reference_example"),
        ({"category": "casino"}, "category"),
        ({"code": "bad code!"}, "code"),
        ({"fixed_amount": 0}, "fixed_amount"),
        ({"fixed_amount": "65000"}, "fixed_amount"),
        ({"fixed_amount": 10**16}, "fixed_amount"),
        ({"webhook_url": "ftp://lcde.cg/hook"}, "webhook_url"),
    ],
)
def test_a_bad_field_is_a_validation_error(client, admin_headers, change, field):
    response = client.post(f"{API}/admin/billers", json={**LCDE, **change}, headers=admin_headers)

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")
    assert field in response.get_json()["errors"]


def test_only_admins_register_billers(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session)

    response = client.post(
        f"{API}/admin/billers", json=LCDE, headers=factories.headers_for(app, awa)
    )

    assert response.status_code == 403


def test_the_command_line_registers_a_biller_and_prints_its_keys_once(app, runtime):
    result = app.test_cli_runner().invoke(
        args=[
            "billers",
            "create",
            "--code",
            "PASSEPORT",
            "--name",
            "Passeport biométrique",
            "--category",
            "administrative",
            "--pattern",
            r"DP\d{7}",
            "--hint",
            "Numéro de la demande",
            "--fixed-amount",
            "65000",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "biller PASSEPORT" in result.output
    with transaction(runtime) as session:
        assert ledger.balance(session, chart.biller("PASSEPORT")).posted == 0


def test_the_command_line_says_what_is_wrong(app):
    result = app.test_cli_runner().invoke(
        args=[
            "billers",
            "create",
            "--code",
            "X",
            "--name",
            "Nobody",
            "--category",
            "tax",
            "--pattern",
            "[",
            "--hint",
            "hint",
        ]
    )

    assert result.exit_code != 0
    assert "reference_pattern" in result.output


def test_demo_seeding_registers_the_demo_billers_once(runtime):
    from app.payments.demo import BILLERS, seed_demo_billers

    for _ in range(2):
        with transaction(runtime) as session:
            seed_demo_billers(session)

    with transaction(runtime) as session:
        from app.payments.billers import list_billers

        billers = list_billers(session)
    assert sorted(b.code for b in billers) == sorted(b["code"] for b in BILLERS)
    assert [b.fixed_amount for b in billers if b.code == "PASSEPORT"] == [65_000]
