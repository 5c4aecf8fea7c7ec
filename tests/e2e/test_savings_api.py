"""The livret d'épargne over REST (docs/API.md "Postal savings").

Awa holds 100 000 FCFA in her wallet (basic tier: the wallet may hold 200 000).
The demo livret earns 2.5 %, opens with at least 5 000 and holds at most 10 000 000.
"""

from __future__ import annotations

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.payments_support import confirm, float_of, otp_for, wallet_of
from tests.e2e.savings_support import (
    API,
    deposit,
    headers,
    open_livret,
    savings_balance,
    withdraw,
)


@pytest.fixture
def livret(client, app, awa):
    response = open_livret(client, app, awa)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma", balance=50_000)


def test_anyone_reads_the_products_the_demo_has_the_livret(client):
    response = client.get(f"{API}/savings/products")
    assert response.status_code == 200
    (livret,) = [p for p in response.get_json()["items"] if p["code"] == "livret"]
    assert livret["annual_rate_bp"] == 250 and livret["tax_bp"] == 1_500
    assert livret["min_opening"] == 5_000 and livret["max_balance"] == 10_000_000


def test_opening_a_livret_answers_the_account_active_and_empty(livret, awa):
    assert livret["status"] == "active" and livret["product"] == "livret"
    assert livret["balance"] == 0 and livret["accrued_interest"] == 0
    assert livret["annual_rate_bp"] == 250
    assert livret["number"].startswith("EP") and len(livret["number"]) == 12
    assert livret["opened_at"]


def test_a_second_livret_of_the_same_product_is_a_conflict(client, app, awa, livret):
    response = open_livret(client, app, awa)
    assert response.status_code == 409
    assert response.get_json()["code"] == "conflict"


def test_an_unknown_product_is_not_found(client, app, awa):
    response = open_livret(client, app, awa, product="plan-epargne")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_a_deposit_moves_wallet_money_into_the_livret_at_once_free(
    client, app, runtime, awa, livret
):
    response = deposit(client, app, awa, livret["id"], 20_000)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["type"] == "savings_deposit" and body["status"] == "completed"
    assert body["fee"] == 0 and body["amount"] == 20_000
    assert wallet_of(runtime, awa) == 80_000
    assert savings_balance(runtime, livret["id"]) == 20_000


def test_a_deposit_replayed_with_its_key_deposits_once(client, app, runtime, awa, livret):
    first = deposit(client, app, awa, livret["id"], 20_000, key="same-key")
    again = deposit(client, app, awa, livret["id"], 20_000, key="same-key")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert savings_balance(runtime, livret["id"]) == 20_000


def test_the_first_deposit_must_reach_the_minimum_opening(client, app, runtime, awa, livret):
    response = deposit(client, app, awa, livret["id"], 4_999)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "limit_exceeded" and body["limit"] == "min_opening"
    assert body["minimum"] == 5_000
    assert wallet_of(runtime, awa) == 100_000


def test_later_deposits_may_be_small(client, app, runtime, awa, livret):
    deposit(client, app, awa, livret["id"], 5_000)
    assert deposit(client, app, awa, livret["id"], 100).status_code == 201


def test_a_deposit_above_the_balance_cap_is_refused(client, app, runtime, awa, livret):
    app.extensions["postcash"].config.SAVINGS_PRODUCTS = {
        "livret": {
            **app.extensions["postcash"].config.SAVINGS_PRODUCTS["livret"],
            "max_balance": 30_000,
        }
    }
    assert deposit(client, app, awa, livret["id"], 25_000).status_code == 201
    response = deposit(client, app, awa, livret["id"], 5_001)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "limit_exceeded" and body["limit"] == "savings_balance"
    assert body["remaining"] == 5_000


def test_a_deposit_beyond_the_wallet_is_insufficient_funds(client, app, runtime, awa, livret):
    response = deposit(client, app, awa, livret["id"], 100_001)
    assert response.status_code == 422
    assert response.get_json()["code"] in ("insufficient_funds", "limit_exceeded")
    assert savings_balance(runtime, livret["id"]) == 0


def test_a_deposit_of_more_than_the_wallet_within_limits_is_insufficient_funds(
    client, app, runtime, awa, livret
):
    deposit(client, app, awa, livret["id"], 60_000)
    response = deposit(client, app, awa, livret["id"], 50_000)
    assert response.status_code == 422 and response.get_json()["code"] == "insufficient_funds"


@pytest.mark.parametrize("amount", ["100", 0, -5, 1.5, None])
def test_a_deposit_amount_must_be_a_positive_integer(client, app, awa, livret, amount):
    response = deposit(client, app, awa, livret["id"], amount)
    assert response.status_code == 400 and response.get_json()["code"] == "validation_error"


def test_a_deposit_needs_an_idempotency_key(client, app, awa, livret):
    response = client.post(
        f"{API}/savings/accounts/{livret['id']}/deposits",
        json={"amount": 5_000},
        headers=factories.headers_for(app, awa),
    )
    assert response.status_code == 400 and response.get_json()["code"] == "idempotency_key_missing"


def test_a_withdrawal_waits_for_the_sms_code_then_credits_the_wallet(
    client, app, runtime, awa, livret
):
    deposit(client, app, awa, livret["id"], 30_000)
    response = withdraw(client, app, awa, livret["id"], 10_000)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["type"] == "savings_withdrawal" and body["status"] == "pending_confirmation"
    assert body["otp"]["attempts_left"] == 3
    assert wallet_of(runtime, awa) == 70_000  # nothing yet
    done = confirm(client, app, awa, body["id"], otp_for(app, awa))
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed"
    assert wallet_of(runtime, awa) == 80_000
    assert savings_balance(runtime, livret["id"]) == 20_000


def test_a_withdrawal_holds_the_money_on_the_livret_until_confirmed(
    client, app, runtime, awa, livret
):
    deposit(client, app, awa, livret["id"], 30_000)
    withdraw(client, app, awa, livret["id"], 25_000)
    response = withdraw(client, app, awa, livret["id"], 10_000)
    assert response.status_code == 422 and response.get_json()["code"] == "insufficient_funds"


def test_a_withdrawal_cancelled_releases_the_hold(client, app, runtime, awa, livret):
    deposit(client, app, awa, livret["id"], 30_000)
    pending = withdraw(client, app, awa, livret["id"], 25_000).get_json()
    cancelled = client.post(
        f"{API}/transfers/{pending['id']}/cancel", headers=factories.headers_for(app, awa)
    )
    assert cancelled.get_json()["status"] == "cancelled"
    assert withdraw(client, app, awa, livret["id"], 30_000).status_code == 201


def test_a_withdrawal_beyond_the_livret_is_insufficient_funds(client, app, awa, livret):
    deposit(client, app, awa, livret["id"], 10_000)
    response = withdraw(client, app, awa, livret["id"], 10_001)
    assert response.status_code == 422 and response.get_json()["code"] == "insufficient_funds"


def test_a_withdrawal_that_would_overfill_the_wallet_is_refused(client, app, runtime, awa, livret):
    """Basic tier: the wallet holds at most 200 000; money coming back counts."""
    deposit(client, app, awa, livret["id"], 100_000)
    with transaction(runtime) as session:
        from tests.factories import fund

        fund(session, f"wallet:{awa.id}", 150_000)
    response = withdraw(client, app, awa, livret["id"], 60_000)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "limit_exceeded" and body["limit"] == "balance"
    assert body["remaining"] == 50_000


def test_an_agent_deposits_cash_into_a_livret_by_its_number(client, app, runtime, awa, livret):
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=500_000)
    response = client.post(
        f"{API}/agent/savings/deposits",
        json={"account_number": livret["number"], "amount": 40_000},
        headers=headers(app, agent),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["type"] == "savings_deposit"
    assert response.get_json()["status"] == "completed"
    assert savings_balance(runtime, livret["id"]) == 40_000
    assert float_of(runtime, agent) == 460_000
    assert wallet_of(runtime, awa) == 100_000


def test_a_cash_deposit_after_the_till_is_closed_is_refused(client, app, runtime, awa, livret):
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=500_000)
    closed = client.post(f"{API}/agent/till/close", json={}, headers=headers(app, agent))
    assert closed.status_code == 200, closed.get_json()
    response = client.post(
        f"{API}/agent/savings/deposits",
        json={"account_number": livret["number"], "amount": 40_000},
        headers=headers(app, agent),
    )
    assert response.status_code == 409 and response.get_json()["code"] == "till_closed"
    assert savings_balance(runtime, livret["id"]) == 0
    assert float_of(runtime, agent) == 500_000


def test_a_cash_deposit_prints_a_counter_receipt(runtime, awa, livret):
    from app.receipts import receipt_for
    from app.savings import movements

    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=500_000)
        transfer = movements.deposit_cash(
            session, agent, account_number=livret["number"], amount=15_000
        )
        receipt = receipt_for(session, agent, transfer.reference)
    assert receipt.amount == 15_000
    assert receipt.total_words == "quinze mille francs CFA"


def test_an_agent_deposit_to_an_unknown_number_is_not_found(client, app, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=500_000)
    response = client.post(
        f"{API}/agent/savings/deposits",
        json={"account_number": "EP0000000000", "amount": 40_000},
        headers=headers(app, agent),
    )
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_the_statement_shows_deposits_and_withdrawals(client, app, runtime, awa, livret):
    deposit(client, app, awa, livret["id"], 30_000)
    pending = withdraw(client, app, awa, livret["id"], 10_000).get_json()
    confirm(client, app, awa, pending["id"], otp_for(app, awa))
    response = client.get(
        f"{API}/savings/accounts/{livret['id']}/transactions",
        headers=factories.headers_for(app, awa),
    )
    assert response.status_code == 200
    lines = response.get_json()["items"]
    assert [(x["type"], x["direction"], x["amount"], x["balance_after"]) for x in lines] == [
        ("savings_withdrawal", "debit", 10_000, 20_000),
        ("savings_deposit", "credit", 30_000, 30_000),
    ]
    wallet_lines = client.get(f"{API}/me/transactions", headers=factories.headers_for(app, awa))
    types = [x["type"] for x in wallet_lines.get_json()["items"]]
    assert types[:2] == ["savings_withdrawal", "savings_deposit"]


def test_the_owner_lists_and_reads_the_livret(client, app, awa, livret):
    listed = client.get(f"{API}/savings/accounts", headers=factories.headers_for(app, awa))
    assert [a["id"] for a in listed.get_json()["items"]] == [livret["id"]]
    one = client.get(
        f"{API}/savings/accounts/{livret['id']}", headers=factories.headers_for(app, awa)
    )
    assert one.status_code == 200 and one.get_json()["number"] == livret["number"]


def test_an_admin_may_read_any_livret(client, app, runtime, awa, livret):
    with transaction(runtime) as session:
        admin = factories.admin(session)
    one = client.get(
        f"{API}/savings/accounts/{livret['id']}", headers=factories.headers_for(app, admin)
    )
    assert one.status_code == 200
    lines = client.get(
        f"{API}/savings/accounts/{livret['id']}/transactions",
        headers=factories.headers_for(app, admin),
    )
    assert lines.status_code == 200


# -- another customer's livret: every route answers as if it did not exist ----------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/savings/accounts/{id}", None),
        ("get", "/savings/accounts/{id}/transactions", None),
        ("post", "/savings/accounts/{id}/deposits", {"amount": 5_000}),
        ("post", "/savings/accounts/{id}/withdrawals", {"amount": 1_000}),
    ],
)
def test_another_customers_livret_is_not_found(
    client, app, runtime, awa, livret, bruno, method, path, body
):
    deposit(client, app, awa, livret["id"], 10_000)
    response = getattr(client, method)(
        API + path.format(id=livret["id"]), json=body, headers=headers(app, bruno)
    )
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert savings_balance(runtime, livret["id"]) == 10_000


def test_another_customers_livrets_are_not_listed(client, app, awa, livret, bruno):
    listed = client.get(f"{API}/savings/accounts", headers=factories.headers_for(app, bruno))
    assert listed.get_json()["items"] == []


def test_another_customer_cannot_confirm_a_savings_withdrawal(
    client, app, runtime, awa, livret, bruno
):
    deposit(client, app, awa, livret["id"], 10_000)
    pending = withdraw(client, app, awa, livret["id"], 5_000).get_json()
    response = confirm(client, app, bruno, pending["id"], otp_for(app, awa))
    assert response.status_code == 404
    assert savings_balance(runtime, livret["id"]) == 10_000


def test_an_agent_may_not_use_the_customer_routes(client, app, runtime, livret):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    response = client.get(f"{API}/savings/accounts/{livret['id']}", headers=headers(app, agent))
    assert response.status_code == 403


def test_a_customer_may_not_deposit_cash_nor_capitalise(client, app, awa, livret):
    cash = client.post(
        f"{API}/agent/savings/deposits",
        json={"account_number": livret["number"], "amount": 5_000},
        headers=headers(app, awa),
    )
    assert cash.status_code == 403
    interest = client.post(
        f"{API}/admin/savings/interest", json={"as_of": "2026-01-01"}, headers=headers(app, awa)
    )
    assert interest.status_code == 403


def test_without_a_token_the_livrets_are_unauthorized(client, livret):
    assert client.get(f"{API}/savings/accounts").status_code == 401
    assert client.get(f"{API}/savings/accounts/{livret['id']}").status_code == 401


def test_a_deposit_and_a_withdrawal_each_text_a_receipt(client, app, runtime, awa, livret):
    from tests.e2e.payments_support import sms_to

    done = deposit(client, app, awa, livret["id"], 20_000).get_json()
    receipt = sms_to(app, awa.msisdn)[-1]
    assert done["reference"] in receipt and livret["number"] in receipt
    assert "20 000 FCFA" in receipt and "80 000 FCFA" in receipt
    pending = withdraw(client, app, awa, livret["id"], 5_000).get_json()
    confirm(client, app, awa, pending["id"], otp_for(app, awa))
    assert "retrait de 5 000 FCFA" in sms_to(app, awa.msisdn)[-1]


def test_an_operator_may_not_reverse_a_savings_movement(client, app, runtime, awa, livret):
    done = deposit(client, app, awa, livret["id"], 20_000).get_json()
    with transaction(runtime) as session:
        admin = factories.admin(session)
    response = client.post(
        f"{API}/transfers/{done['id']}/reversal",
        json={"reason": "customer asked"},
        headers=headers(app, admin),
    )
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_state"
    assert savings_balance(runtime, livret["id"]) == 20_000
