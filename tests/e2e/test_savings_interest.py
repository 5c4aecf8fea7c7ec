"""The operator's capitalisation, POST /admin/savings/interest {as_of}, and the
statement lines it writes (docs/API.md "Postal savings").

Awa keeps 200 000 FCFA on her livret from 2 January 2027: it earns from 16 January,
208 FCFA a fortnight (2.5 %); by 30 June, 11 fortnights: 2 288 gross, 343 tax.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.db import transaction
from app.savings import accounts, movements
from tests import factories
from tests.e2e.savings_support import API, headers, savings_balance
from tests.integration.savings_story import set_day


@pytest.fixture
def awa_balance():
    return 250_000


@pytest.fixture
def livret(runtime, clock, awa):
    set_day(clock, date(2027, 1, 2))
    with transaction(runtime) as session:
        awa.kyc_tier = "standard"
        session.merge(awa)
    with transaction(runtime) as session:
        account = accounts.open_savings_account(session, awa, "livret")
        movements.deposit_from_wallet(session, awa, account.id, amount=200_000)
        return account.id


@pytest.fixture
def admin(runtime):
    with transaction(runtime) as session:
        return factories.admin(session)


def capitalise(client, app, admin, as_of):
    return client.post(
        f"{API}/admin/savings/interest", json={"as_of": as_of}, headers=headers(app, admin)
    )


def test_the_admin_capitalises_up_to_a_day_and_gets_the_figures(
    client, app, clock, admin, livret, runtime
):
    set_day(clock, date(2027, 7, 1))
    response = capitalise(client, app, admin, "2027-06-30")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "as_of": "2027-06-30",
        "accounts": 1,
        "gross": 11 * 208,
        "tax": 2_288 * 1_500 // 10_000,
        "net": 2_288 - 343,
    }
    assert savings_balance(runtime, livret) == 200_000 + 1_945


def test_capitalising_the_same_day_again_pays_nothing_twice(
    client, app, clock, admin, livret, runtime
):
    set_day(clock, date(2027, 7, 1))
    first = capitalise(client, app, admin, "2027-06-30").get_json()
    again = capitalise(client, app, admin, "2027-06-30")
    assert again.status_code == 200 and again.get_json() == first
    assert savings_balance(runtime, livret) == 200_000 + 1_945


def test_the_statement_shows_interest_and_tax_lines(client, app, clock, admin, awa, livret):
    set_day(clock, date(2027, 7, 1))
    capitalise(client, app, admin, "2027-06-30")
    lines = client.get(
        f"{API}/savings/accounts/{livret}/transactions", headers=factories.headers_for(app, awa)
    ).get_json()["items"]
    assert [(x["type"], x["direction"], x["amount"]) for x in lines[:2]] == [
        ("tax", "debit", 343),
        ("interest", "credit", 2_288),
    ]
    assert lines[0]["balance_after"] == 201_945


def test_the_account_shows_the_interest_accrued_so_far(client, app, clock, awa, livret):
    set_day(clock, date(2027, 2, 1), hour=12)
    from workers.savings import accrue_interest

    accrue_interest()
    body = client.get(
        f"{API}/savings/accounts/{livret}", headers=factories.headers_for(app, awa)
    ).get_json()
    assert body["accrued_interest"] == 208 and body["balance"] == 200_000


def test_a_day_not_past_yet_is_refused(client, app, clock, admin, livret):
    set_day(clock, date(2027, 7, 1))
    response = capitalise(client, app, admin, "2027-07-01")
    assert response.status_code == 400 and response.get_json()["code"] == "validation_error"


def test_a_day_before_interest_already_provisioned_is_refused(client, app, clock, admin, livret):
    set_day(clock, date(2027, 7, 1))
    from workers.savings import accrue_interest

    accrue_interest()
    response = capitalise(client, app, admin, "2027-06-15")
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_state"


def test_a_malformed_day_is_a_validation_error(client, app, admin):
    response = capitalise(client, app, admin, "yesterday")
    assert response.status_code == 400 and response.get_json()["code"] == "validation_error"


def test_only_an_admin_capitalises(client, app, runtime, livret):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    assert capitalise(client, app, agent, "2026-01-01").status_code == 403


def test_without_redis_the_server_sweeps_provision_the_interest(app, clock, runtime, livret):
    from workers.in_process import InProcessSweeps

    set_day(clock, date(2027, 2, 1), hour=9)
    assert "savings-interest" in InProcessSweeps(app).tick(clock.now().timestamp())
    with transaction(runtime) as session:
        assert session.get(accounts.SavingsAccount, livret).accrued_interest == 208
