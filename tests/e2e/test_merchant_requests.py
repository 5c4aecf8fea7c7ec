"""Merchant payment requests: a shop asks, Awa approves with her PIN, declines, or lets it expire.

"Boutique Ndeko" takes 1.5 % (150 bp): on 10 000 FCFA it receives 9 850 and
PostCash 150; Awa pays 10 000 and no fee. Requests live MERCHANT_REQUEST_TTL
(10 minutes).
"""

import pytest

from app.db import transaction
from app.errors import InvalidPin
from app.ledger import chart
from app.notify.gsm import sms_length
from app.payments import requests
from tests import factories
from tests.e2e.cyber_support import API, api_key, receiver
from tests.e2e.payments_support import available, otp_for, post, sms_to, wallet_of
from workers.payments import expire_requests, retry_callbacks


@pytest.fixture
def shop(runtime):
    with transaction(runtime) as session:
        return factories.merchant(session, name="Boutique Ndeko")


@pytest.fixture
def awa_balance():
    return 50_000


def ask(client, shop, msisdn, amount=10_000, reference="CMD-1001", key=None, **extra):
    return client.post(
        f"{API}/merchant/payment-requests",
        json={"msisdn": msisdn, "amount": amount, "reference": reference, **extra},
        headers=api_key(shop.api_key, key or factories.key()),
    )


def approve(client, app, who, request_id, pin=factories.PIN):
    return post(
        client, app, who, f"/payment-requests/{request_id}/approve", {"pin": pin}, idempotent=False
    )


def decline(client, app, who, request_id):
    return post(client, app, who, f"/payment-requests/{request_id}/decline", idempotent=False)


def poll(client, shop, request_id):
    return client.get(
        f"{API}/merchant/payment-requests/{request_id}", headers=api_key(shop.api_key)
    )


def test_a_request_is_pending_until_its_expiry_and_texted_to_the_customer(
    client, app, clock, shop, awa
):
    response = ask(client, shop, awa.msisdn)

    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["amount"], body["fee"], body["net"]) == (
        "pending",
        10_000,
        150,
        9_850,
    )
    assert body["expires_at"] == "2026-11-28T09:10:00+00:00"
    notice = sms_to(app, awa.msisdn)[-1]
    assert "Boutique Ndeko" in notice and "10 000 FCFA" in notice and "CMD-1001" in notice


@pytest.mark.parametrize(
    "reference",
    ["INV|2026|11|28|00001", "CMD-2026-11-28-00001", "{[~€]}{[~€]}{[~€]}{[~€]}", "N°…©®™…©®™…©®™…"],
)
def test_the_notice_fits_one_sms_with_the_longest_name_amount_and_reference(
    client, app, runtime, awa, reference
):
    with transaction(runtime) as session:
        supermarket = factories.merchant(session, name="Supermarché Ndeko Poto-Poto Mpila")

    response = ask(client, supermarket, awa.msisdn, amount=2_000_000, reference=reference)

    assert response.status_code == 201, response.get_json()
    notice = sms_to(app, awa.msisdn)[-1]
    assert "Supermarché Ndeko Poto-Poto" in notice and "2 000 000 FCFA" in notice
    assert sms_length(notice) <= 160


def test_the_customer_sees_what_merchants_ask(client, app, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    response = client.get(f"{API}/me/payment-requests", headers=factories.headers_for(app, awa))

    (item,) = response.get_json()["items"]
    assert (item["id"], item["merchant"]["name"], item["amount"]) == (
        request_id,
        "Boutique Ndeko",
        10_000,
    )


def test_approving_with_the_pin_pays_the_merchant_less_its_fee(client, app, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    response = approve(client, app, awa, request_id)

    assert (response.status_code, response.get_json()["status"]) == (200, "paid")
    assert wallet_of(runtime, awa) == 40_000
    assert available(runtime, chart.merchant(shop.client.id)) == 9_850
    assert available(runtime, chart.fees("merchant")) == 150
    polled = poll(client, shop, request_id).get_json()
    assert polled["status"] == "paid" and polled["payment_reference"].startswith("PC")
    assert polled["payment_reference"] in sms_to(app, awa.msisdn)[-1]
    me = client.get(f"{API}/me/payment-requests", headers=factories.headers_for(app, awa))
    assert me.get_json()["items"] == []


def test_the_statement_shows_the_merchant_and_no_fee(client, app, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    approve(client, app, awa, request_id)

    lines = client.get(f"{API}/me/transactions", headers=factories.headers_for(app, awa))

    line = lines.get_json()["items"][0]
    assert (line["type"], line["amount"], line["fee"]) == ("merchant", 10_000, 0)
    assert line["counterparty"]["name"] == "Boutique Ndeko"


def test_approving_twice_pays_once(client, app, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    approve(client, app, awa, request_id)
    again = approve(client, app, awa, request_id)

    assert again.get_json()["status"] == "paid"
    assert wallet_of(runtime, awa) == 40_000


def test_a_wrong_pin_is_counted_and_the_request_stays_pending(client, app, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    response = approve(client, app, awa, request_id, pin="9999")

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_pin")
    assert response.get_json()["attempts_left"] == 2
    assert poll(client, shop, request_id).get_json()["status"] == "pending"
    assert wallet_of(runtime, awa) == 50_000


def test_three_wrong_pins_lock_the_account(client, app, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    for _ in range(2):
        approve(client, app, awa, request_id, pin="9999")
    third = approve(client, app, awa, request_id, pin="9999")

    assert third.get_json()["code"] == "account_locked"


def test_a_pin_is_four_digits(client, app, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    response = approve(client, app, awa, request_id, pin="12")

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_not_enough_money_leaves_the_request_pending(client, app, shop, awa):
    request_id = ask(client, shop, awa.msisdn, amount=60_000).get_json()["id"]

    response = approve(client, app, awa, request_id)

    assert (response.status_code, response.get_json()["code"]) == (422, "insufficient_funds")
    assert poll(client, shop, request_id).get_json()["status"] == "pending"


def test_above_the_single_payment_limit_is_refused(client, app, runtime, shop):
    with transaction(runtime) as session:
        rich = factories.customer(session, balance=190_000)
    request_id = ask(client, shop, rich.msisdn, amount=150_000).get_json()["id"]

    response = approve(client, app, rich, request_id)

    assert (response.status_code, response.get_json()["code"]) == (422, "limit_exceeded")


def test_a_declined_request_is_final(client, app, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    declined = decline(client, app, awa, request_id)
    again = decline(client, app, awa, request_id)
    late = approve(client, app, awa, request_id)

    assert declined.get_json()["status"] == again.get_json()["status"] == "declined"
    assert (late.status_code, late.get_json()["code"]) == (422, "invalid_state")
    assert poll(client, shop, request_id).get_json()["status"] == "declined"
    assert wallet_of(runtime, awa) == 50_000


def test_a_paid_request_cannot_be_declined(client, app, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    approve(client, app, awa, request_id)

    response = decline(client, app, awa, request_id)

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_state")


def test_an_expired_request_cannot_be_approved(client, app, runtime, clock, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    clock.advance(minutes=10)

    response = approve(client, app, awa, request_id)

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_state")
    assert poll(client, shop, request_id).get_json()["status"] == "expired"
    assert wallet_of(runtime, awa) == 50_000


def test_polling_after_the_deadline_shows_expired(client, clock, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    clock.advance(minutes=11)

    assert poll(client, shop, request_id).get_json()["status"] == "expired"


def test_the_sweep_expires_requests_past_their_deadline(client, app, clock, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    ask(client, shop, awa.msisdn, reference="CMD-1002")
    clock.advance(minutes=11)

    assert expire_requests() == 2
    assert expire_requests() == 0
    assert poll(client, shop, request_id).get_json()["status"] == "expired"


def test_another_customer_cannot_approve(client, app, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    with transaction(runtime) as session:
        bruno = factories.customer(session, balance=50_000)

    response = approve(client, app, bruno, request_id)

    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_another_merchant_cannot_poll(client, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    with transaction(runtime) as session:
        other = factories.merchant(session)

    assert poll(client, other, request_id).status_code == 404


# -- merchant references --------------------------------------------------------


def test_the_same_reference_with_the_same_request_returns_the_first(client, runtime, shop, awa):
    first = ask(client, shop, awa.msisdn)
    again = ask(client, shop, awa.msisdn)

    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]


def test_a_reference_reused_for_another_request_is_a_conflict(client, shop, awa):
    ask(client, shop, awa.msisdn)

    other = ask(client, shop, awa.msisdn, amount=20_000)

    assert (other.status_code, other.get_json()["code"]) == (409, "conflict")
    assert other.get_json()["payment_request_id"]


def test_two_merchants_may_use_the_same_reference(client, runtime, shop, awa):
    with transaction(runtime) as session:
        other = factories.merchant(session)

    assert ask(client, shop, awa.msisdn).status_code == 201
    assert ask(client, other, awa.msisdn).status_code == 201


def test_an_idempotency_key_is_required(client, shop, awa):
    response = client.post(
        f"{API}/merchant/payment-requests",
        json={"msisdn": awa.msisdn, "amount": 1_000, "reference": "X"},
        headers=api_key(shop.api_key),
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "idempotency_key_missing")


def test_a_number_without_a_wallet_is_recipient_not_found(client, shop):
    response = ask(client, shop, "+242069990001")

    assert (response.status_code, response.get_json()["code"]) == (422, "recipient_not_found")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"msisdn": "12"}, "msisdn"),
        ({"amount": 0}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"amount": 2_000_001}, "amount"),  # above every tier's single-payment limit
        ({"amount": 1_000_000_000}, "amount"),
        ({"reference": ""}, "reference"),
        ({"callback_url": "not a url"}, "callback_url"),
    ],
)
def test_a_bad_field_is_a_validation_error(client, shop, awa, change, field):
    body = {"msisdn": awa.msisdn, "amount": 1_000, "reference": "R-1", **change}

    response = client.post(
        f"{API}/merchant/payment-requests",
        json=body,
        headers=api_key(shop.api_key, factories.key()),
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")
    assert field in response.get_json()["errors"]


def test_only_merchants_ask_for_payments(client, app, runtime, awa):
    with transaction(runtime) as session:
        _payer, key = factories.payer(session)

    response = client.post(f"{API}/merchant/payment-requests", json={}, headers=api_key(key, "k"))

    assert response.status_code == 403


# -- callbacks ------------------------------------------------------------------------


def test_the_merchant_is_called_back_signed_and_retried_until_it_answers(
    client, app, runtime, clock, awa
):
    with receiver(502) as hook:
        with transaction(runtime) as session:
            shop = factories.merchant(session, callback_url=hook.url)
        request_id = ask(client, shop, awa.msisdn).get_json()["id"]
        approve(client, app, awa, request_id)
        clock.advance(seconds=30)
        retry_callbacks()

    first, second = hook.requests
    assert first.body == second.body
    assert second.signed_with(shop.webhook_secret)
    assert second.headers["X-PostCash-Event-Id"] == f"{request_id}:paid"
    assert second.json["payment_request"]["status"] == "paid"


def test_a_request_may_name_its_own_callback_url(client, app, runtime, shop, awa):
    with receiver() as hook:
        request_id = ask(client, shop, awa.msisdn, callback_url=hook.url).get_json()["id"]
        decline(client, app, awa, request_id)

    (request,) = hook.requests
    assert request.json["event"] == "payment_request.declined"


def test_expiry_is_called_back(client, app, runtime, clock, awa):
    with receiver() as hook:
        with transaction(runtime) as session:
            shop = factories.merchant(session, callback_url=hook.url)
        ask(client, shop, awa.msisdn)
        clock.advance(minutes=11)
        expire_requests()

    (request,) = hook.requests
    assert request.json["event"] == "payment_request.expired"


# -- the USSD contract ----------------------------------------------------------------


def test_ussd_lists_approves_and_declines_with_the_shared_functions(
    client, app, runtime, shop, awa
):
    first = ask(client, shop, awa.msisdn, reference="A").get_json()["id"]
    second = ask(client, shop, awa.msisdn, reference="B").get_json()["id"]

    with transaction(runtime) as session:
        pending = [r.id for r in requests.pending_requests_for(session, awa)]
        paid = requests.approve_request(session, first, awa, pin=factories.PIN)
        declined = requests.decline_request(session, second, awa)
        statuses = (paid.status, declined.status)

    assert set(pending) == {first, second}
    assert statuses == ("paid", "declined")
    assert wallet_of(runtime, awa) == 40_000


def test_ussd_approval_with_a_wrong_pin_raises_invalid_pin(client, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    with pytest.raises(InvalidPin), transaction(runtime) as session:
        requests.approve_request(session, request_id, awa, pin="0000")


# -- approval with an SMS code (the app's alternative to the PIN) -------------------


def ask_code(client, app, who, request_id):
    return post(client, app, who, f"/payment-requests/{request_id}/otp", idempotent=False)


def approve_with(client, app, who, request_id, body):
    return post(client, app, who, f"/payment-requests/{request_id}/approve", body, idempotent=False)


def test_a_texted_code_approves_the_request(client, app, runtime, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    asked = ask_code(client, app, awa, request_id)
    response = approve_with(client, app, awa, request_id, {"otp": otp_for(app, awa)})

    assert asked.status_code == 200
    assert asked.get_json()["otp"]["attempts_left"] == 3
    assert "Boutique Ndeko" in sms_to(app, awa.msisdn)[-2]
    assert response.get_json()["status"] == "paid"
    assert wallet_of(runtime, awa) == 40_000


def test_a_wrong_code_counts_and_the_third_kills_the_code_not_the_request(
    client, app, runtime, shop, awa
):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    ask_code(client, app, awa, request_id)

    first = approve_with(client, app, awa, request_id, {"otp": "000000"})
    approve_with(client, app, awa, request_id, {"otp": "000000"})
    third = approve_with(client, app, awa, request_id, {"otp": "000000"})

    assert (first.status_code, first.get_json()["code"]) == (422, "invalid_otp")
    assert first.get_json()["attempts_left"] == 2
    assert third.get_json()["code"] == "otp_attempts_exceeded"
    assert poll(client, shop, request_id).get_json()["status"] == "pending"
    ask_code(client, app, awa, request_id)
    again = approve_with(client, app, awa, request_id, {"otp": otp_for(app, awa)})
    assert again.get_json()["status"] == "paid"


def test_a_code_is_refused_once_expired(client, app, runtime, clock, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    ask_code(client, app, awa, request_id)
    clock.advance(minutes=6)

    response = approve_with(client, app, awa, request_id, {"otp": otp_for(app, awa)})

    assert (response.status_code, response.get_json()["code"]) == (422, "otp_expired")
    assert wallet_of(runtime, awa) == 50_000


def test_a_code_must_be_asked_for_first(client, app, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    response = approve_with(client, app, awa, request_id, {"otp": "123456"})

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_state")


def test_a_new_code_replaces_the_last(client, app, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    ask_code(client, app, awa, request_id)
    old = otp_for(app, awa)
    ask_code(client, app, awa, request_id)
    new = otp_for(app, awa)

    stale = approve_with(client, app, awa, request_id, {"otp": old})
    fresh = approve_with(client, app, awa, request_id, {"otp": new})

    assert stale.status_code == 422
    assert fresh.get_json()["status"] == "paid"


def test_no_code_for_a_closed_request(client, app, shop, awa):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]
    decline(client, app, awa, request_id)

    response = ask_code(client, app, awa, request_id)

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_state")


@pytest.mark.parametrize("body", [{}, {"pin": "2580", "otp": "123456"}, {"otp": "12"}])
def test_approval_takes_either_a_pin_or_a_code(client, app, shop, awa, body):
    request_id = ask(client, shop, awa.msisdn).get_json()["id"]

    response = approve_with(client, app, awa, request_id, body)

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")
