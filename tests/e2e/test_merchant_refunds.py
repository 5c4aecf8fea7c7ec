"""Refunds by the merchant (POST /merchant/payments/{id}/refunds).

Awa paid "Boutique Ndeko" 10 000 FCFA; the shop received 9 850 and PostCash 150
(1.5 %). A refund gives back the fee on the refunded share, so refunding
everything leaves both as if the sale never happened.
"""

import pytest
from sqlalchemy import select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.ledger.models import Entry
from tests import factories
from tests.e2e.cyber_support import API, api_key
from tests.e2e.payments_support import available, post, sms_to, wallet_of


@pytest.fixture
def shop(runtime):
    with transaction(runtime) as session:
        return factories.merchant(session, name="Boutique Ndeko")


@pytest.fixture
def awa_balance():
    return 50_000


@pytest.fixture
def payment(client, app, shop, awa):
    response = client.post(
        f"{API}/merchant/payment-requests",
        json={"msisdn": awa.msisdn, "amount": 10_000, "reference": "CMD-1"},
        headers=api_key(shop.api_key, factories.key()),
    )
    request_id = response.get_json()["id"]
    paid = post(
        client,
        app,
        awa,
        f"/payment-requests/{request_id}/approve",
        {"pin": factories.PIN},
        idempotent=False,
    )
    assert paid.get_json()["status"] == "paid"
    return request_id


def refund(client, shop, request_id, amount, key=None, **extra):
    return client.post(
        f"{API}/merchant/payments/{request_id}/refunds",
        json={"amount": amount, **extra},
        headers=api_key(shop.api_key, key or factories.key()),
    )


def test_a_partial_refund_returns_money_and_the_fee_share(client, app, runtime, shop, awa, payment):
    response = refund(client, shop, payment, 4_000, reason="one item out of stock")

    assert response.status_code == 201
    body = response.get_json()
    assert (body["amount"], body["fee_returned"], body["refunded_total"], body["refundable"]) == (
        4_000,
        60,
        4_000,
        6_000,
    )
    assert wallet_of(runtime, awa) == 44_000
    assert available(runtime, chart.merchant(shop.client.id)) == 9_850 - 3_940
    assert available(runtime, chart.fees("merchant")) == 90
    assert "4 000 FCFA" in sms_to(app, awa.msisdn)[-1]


def test_refunding_everything_in_parts_undoes_the_sale(client, runtime, shop, awa, payment):
    for amount in (3_333, 3_333, 3_334):
        assert refund(client, shop, payment, amount).status_code == 201

    assert wallet_of(runtime, awa) == 50_000
    assert available(runtime, chart.merchant(shop.client.id)) == 0
    assert available(runtime, chart.fees("merchant")) == 0


def test_more_than_was_paid_is_never_refunded(client, runtime, shop, awa, payment):
    refund(client, shop, payment, 7_000)

    response = refund(client, shop, payment, 3_001)

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_state")
    assert response.get_json()["refundable"] == 3_000
    assert wallet_of(runtime, awa) == 47_000


def test_a_refund_is_a_new_entry_linked_to_the_payment(client, runtime, shop, payment):
    refund_id = refund(client, shop, payment, 1_000).get_json()["id"]

    with transaction(runtime) as session:
        entries = {e.kind: e for e in session.scalars(select(Entry))}
        payment_entry, refund_entry = entries["merchant"], entries["merchant_refund"]
        assert refund_entry.meta["refund_of"] == payment_entry.id
        assert refund_entry.meta["refund_id"] == refund_id
        assert refund_entry.reverses_id is None
        assert refund_entry.reference == payment_entry.reference


def test_a_replayed_refund_request_refunds_once(client, runtime, shop, awa, payment):
    first = refund(client, shop, payment, 1_000, key="refund-1")
    again = refund(client, shop, payment, 1_000, key="refund-1")

    assert again.get_json()["id"] == first.get_json()["id"]
    assert wallet_of(runtime, awa) == 41_000


def test_a_merchant_that_already_withdrew_cannot_refund(client, runtime, shop, payment):
    with transaction(runtime) as session:
        ledger.post_entry(
            session,
            key="settle-shop",
            kind="settlement",
            legs=[
                ledger.debit(chart.merchant(shop.client.id), 9_850),
                ledger.credit(chart.TRUST_BANK, 9_850),
            ],
        )

    response = refund(client, shop, payment, 1_000)

    assert (response.status_code, response.get_json()["code"]) == (422, "insufficient_funds")


def test_an_unpaid_request_cannot_be_refunded(client, shop, awa):
    request_id = client.post(
        f"{API}/merchant/payment-requests",
        json={"msisdn": awa.msisdn, "amount": 10_000, "reference": "CMD-2"},
        headers=api_key(shop.api_key, factories.key()),
    ).get_json()["id"]

    response = refund(client, shop, request_id, 1_000)

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_state")


def test_another_merchants_payment_is_not_found(client, runtime, payment):
    with transaction(runtime) as session:
        other = factories.merchant(session)

    response = refund(client, other, payment, 1_000)

    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("amount", [0, -1, "100", 1.5])
def test_a_refund_amount_is_a_positive_integer(client, shop, payment, amount):
    response = refund(client, shop, payment, amount)

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_refunds_need_an_idempotency_key(client, shop, payment):
    response = client.post(
        f"{API}/merchant/payments/{payment}/refunds",
        json={"amount": 100},
        headers=api_key(shop.api_key),
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "idempotency_key_missing")
