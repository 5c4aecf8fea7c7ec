"""An operator's reversal of a merchant or bill payment: the customer gets their money back
once, whether the merchant refunds or the operator reverses, and the other side is told."""

import pytest
from sqlalchemy import select

from app.db import transaction
from app.payments.models import CallbackDelivery, PaymentRequest
from tests import factories
from tests.e2e.cyber_support import API, api_key
from tests.e2e.payments_support import confirm, otp_for, post, wallet_of


@pytest.fixture
def shop(runtime):
    with transaction(runtime) as session:
        return factories.merchant(session, name="Boutique Ndeko")


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=50_000)
        bruno = factories.customer(session, balance=50_000, first_name="Bruno")
        admin = factories.admin(session)
    return awa, bruno, admin


def pay(client, app, shop, who, amount, reference):
    created = client.post(
        f"{API}/merchant/payment-requests",
        json={"msisdn": who.msisdn, "amount": amount, "reference": reference},
        headers=api_key(shop.api_key, factories.key()),
    ).get_json()
    body = {"pin": factories.PIN}
    approve = f"/payment-requests/{created['id']}/approve"
    assert post(client, app, who, approve, body, idempotent=False).status_code == 200
    with transaction(app.extensions["postcash"]) as session:
        return created["id"], session.get(PaymentRequest, created["id"]).transfer_id


def reverse(client, app, admin, transfer_id):
    return post(client, app, admin, f"/transfers/{transfer_id}/reversal", {"reason": "dispute"})


def refund(client, shop, request_id, amount):
    return client.post(
        f"{API}/merchant/payments/{request_id}/refunds",
        json={"amount": amount},
        headers=api_key(shop.api_key, factories.key()),
    )


@pytest.fixture
def sale(client, app, shop, people):
    awa, bruno, _admin = people
    pay(client, app, shop, bruno, 20_000, "CMD-OTHER")  # the shop has other takings
    return pay(client, app, shop, awa, 10_000, "CMD-1")


def test_a_reversed_merchant_payment_cannot_be_refunded(client, app, runtime, shop, people, sale):
    awa, _bruno, admin = people
    request_id, transfer_id = sale
    assert reverse(client, app, admin, transfer_id).status_code == 200
    assert wallet_of(runtime, awa) == 50_000
    refused = refund(client, shop, request_id, 10_000)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "invalid_state")
    assert wallet_of(runtime, awa) == 50_000


def test_a_refunded_merchant_payment_cannot_be_reversed(client, app, runtime, shop, people, sale):
    awa, _bruno, admin = people
    request_id, transfer_id = sale
    assert refund(client, shop, request_id, 4_000).status_code == 201
    refused = reverse(client, app, admin, transfer_id)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "invalid_state")
    assert "already refunded 4000" in refused.get_json()["detail"]
    assert wallet_of(runtime, awa) == 44_000


def test_a_reversed_merchant_payment_shows_as_refunded_in_full(
    client, app, runtime, shop, people, sale
):
    _awa, _bruno, admin = people
    request_id, transfer_id = sale
    reverse(client, app, admin, transfer_id)
    polled = client.get(
        f"{API}/merchant/payment-requests/{request_id}", headers=api_key(shop.api_key)
    ).get_json()
    assert polled["refunded"] == 10_000


def test_the_merchant_is_called_back_about_a_reversal(client, app, runtime, people):
    _awa, bruno, admin = people
    with transaction(runtime) as session:
        shop = factories.merchant(session, callback_url="https://shop.example/hooks")
    request_id, transfer_id = pay(client, app, shop, bruno, 10_000, "CMD-9")
    reverse(client, app, admin, transfer_id)
    with transaction(runtime) as session:
        events = session.scalars(
            select(CallbackDelivery.event).where(CallbackDelivery.subject_id == request_id)
        ).all()
    assert sorted(events) == ["payment_request.paid", "payment_request.reversed"]


def test_the_biller_is_told_of_a_reversed_bill_payment(client, app, runtime, people):
    awa, _bruno, admin = people
    with transaction(runtime) as session:
        factories.biller(session, code="E2C", webhook_url="https://e2c.example/hooks")
    body = {"biller": "E2C", "bill_reference": "01234567890", "amount": 5_000}
    transfer = post(client, app, awa, "/bill-payments", body).get_json()
    assert confirm(client, app, awa, transfer["id"], otp_for(app, awa)).status_code == 200
    assert reverse(client, app, admin, transfer["id"]).status_code == 200
    with transaction(runtime) as session:
        delivery = session.scalar(
            select(CallbackDelivery).where(CallbackDelivery.event == "bill.reversed")
        )
    assert delivery.payload["payment"]["status"] == "reversed"
    assert wallet_of(runtime, awa) == 50_000
