"""Paying bills and e-administration fees (GET /billers, POST /bill-payments, receipts).

Awa (basic tier, 50 000 FCFA) pays her electricity bill to E2C; the bill fee is
100 FCFA (the default tariff). Through the app she confirms with the SMS code at
/transfers/{id}/confirm; through USSD her PIN completes it at once.
"""

import pytest

from app.db import transaction
from app.ledger import chart
from app.payments import bills
from tests import factories
from tests.e2e.cyber_support import API, api_key
from tests.e2e.payments_support import available, confirm, otp_for, post, sms_to, wallet_of

CONTRACT = "01234567890"


@pytest.fixture
def e2c(runtime):
    with transaction(runtime) as session:
        return factories.biller(session, code="E2C").biller


@pytest.fixture
def passport(runtime):
    with transaction(runtime) as session:
        return factories.biller(
            session,
            code="PASSEPORT",
            name="Passeport biométrique",
            category="administrative",
            reference_pattern=r"DP\d{7}",
            reference_hint="Numéro de la demande (DP suivi de 7 chiffres)",
            reference_example="DP2026001",
            fixed_amount=65_000,
        ).biller


@pytest.fixture
def awa_balance():
    return 50_000


def pay(client, app, who, biller="E2C", reference=CONTRACT, amount=12_500, key=None):
    body = {"biller": biller, "bill_reference": reference, "amount": amount}
    return post(client, app, who, "/bill-payments", body, key)


def paid(client, app, runtime, who, **kwargs):
    response = pay(client, app, who, **kwargs)
    assert response.status_code == 201, response.get_json()
    transfer = response.get_json()
    done = confirm(client, app, who, transfer["id"], otp_for(app, who))
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def test_anyone_lists_the_active_billers_with_their_reference_format(client, e2c, passport):
    response = client.get(f"{API}/billers")

    assert response.status_code == 200
    items = {item["code"]: item for item in response.get_json()["items"]}
    assert items["E2C"] == {
        "code": "E2C",
        "name": "Energie Electrique du Congo",
        "category": "utility",
        "reference_hint": "Numéro de contrat (11 chiffres)",
        "reference_example": "01234567890",
        "fixed_amount": None,
    }
    assert items["PASSEPORT"]["fixed_amount"] == 65_000


def test_a_bill_payment_reserves_amount_and_fee_and_texts_a_code(client, app, runtime, e2c, awa):
    response = pay(client, app, awa)

    assert response.status_code == 201
    body = response.get_json()
    assert (body["type"], body["status"], body["amount"], body["fee"]) == (
        "bill",
        "pending_confirmation",
        12_500,
        100,
    )
    assert (body["biller"], body["bill_reference"]) == ("E2C", CONTRACT)
    assert body["otp"]["attempts_left"] == 3
    assert wallet_of(runtime, awa) == 50_000 - 12_600
    assert available(runtime, chart.biller("E2C")) == 0
    assert "Energie Electrique du Congo" in sms_to(app, awa.msisdn)[-1]


def test_confirming_posts_wallet_to_biller_and_fee(client, app, runtime, e2c, awa):
    done = paid(client, app, runtime, awa)

    assert done["status"] == "completed"
    assert wallet_of(runtime, awa) == 37_400
    assert available(runtime, chart.biller("E2C")) == 12_500
    assert available(runtime, chart.fees("bill")) == 100


def test_the_receipt_sms_carries_the_bill_reference_and_ours(client, app, runtime, e2c, awa):
    done = paid(client, app, runtime, awa)

    receipt = sms_to(app, awa.msisdn)[-1]
    assert CONTRACT in receipt
    assert done["reference"] in receipt
    assert "37 400 FCFA" in receipt


def test_the_receipt_endpoint_carries_both_references(client, app, runtime, e2c, awa):
    done = paid(client, app, runtime, awa)

    response = client.get(
        f"{API}/bill-payments/{done['id']}/receipt", headers=factories.headers_for(app, awa)
    )

    assert response.status_code == 200
    receipt = response.get_json()
    assert (receipt["reference"], receipt["bill_reference"]) == (done["reference"], CONTRACT)
    assert receipt["biller"]["code"] == "E2C"
    assert (receipt["amount"], receipt["fee"], receipt["total"]) == (12_500, 100, 12_600)
    assert receipt["paid_at"] is not None


def test_a_pending_payment_has_no_receipt_yet(client, app, e2c, awa):
    transfer = pay(client, app, awa).get_json()

    response = client.get(
        f"{API}/bill-payments/{transfer['id']}/receipt", headers=factories.headers_for(app, awa)
    )

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_state")


def test_another_customer_cannot_see_the_receipt(client, app, runtime, e2c, awa):
    done = paid(client, app, runtime, awa)
    with transaction(runtime) as session:
        bruno = factories.customer(session)

    response = client.get(
        f"{API}/bill-payments/{done['id']}/receipt", headers=factories.headers_for(app, bruno)
    )

    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_an_admin_sees_any_receipt(client, app, runtime, e2c, awa):
    done = paid(client, app, runtime, awa)
    with transaction(runtime) as session:
        admin = factories.admin(session)

    response = client.get(
        f"{API}/bill-payments/{done['id']}/receipt", headers=factories.headers_for(app, admin)
    )

    assert response.status_code == 200


def test_a_reference_of_the_wrong_shape_is_refused_with_the_hint(client, app, runtime, e2c, awa):
    response = pay(client, app, awa, reference="12-34")

    assert response.status_code == 400
    problem = response.get_json()
    assert problem["code"] == "validation_error"
    assert problem["errors"]["bill_reference"] == [
        "Numéro de contrat (11 chiffres) (e.g. 01234567890)"
    ]
    assert wallet_of(runtime, awa) == 50_000


def test_spaces_typed_in_a_reference_are_ignored(client, app, runtime, e2c, awa):
    response = pay(client, app, awa, reference="0123 4567 890")

    assert response.status_code == 201
    assert response.get_json()["bill_reference"] == CONTRACT


def test_an_unknown_biller_is_not_found(client, app, awa):
    response = pay(client, app, awa, biller="NOPE")

    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_a_fixed_fee_must_be_paid_exactly(client, app, runtime, passport):
    with transaction(runtime) as session:
        bruno = factories.customer(session, balance=100_000)

    wrong = pay(client, app, bruno, biller="PASSEPORT", reference="DP2026001", amount=60_000)
    right = pay(client, app, bruno, biller="PASSEPORT", reference="DP2026001", amount=65_000)

    assert (wrong.status_code, wrong.get_json()["code"]) == (400, "validation_error")
    assert "amount" in wrong.get_json()["errors"]
    assert right.status_code == 201


def test_more_than_the_wallet_holds_is_insufficient_funds(client, app, e2c, awa):
    response = pay(client, app, awa, amount=49_950)

    assert (response.status_code, response.get_json()["code"]) == (422, "insufficient_funds")


def test_above_the_single_payment_limit_is_refused(client, app, runtime, e2c):
    with transaction(runtime) as session:
        rich = factories.customer(session, balance=190_000)

    response = pay(client, app, rich, amount=150_000)

    assert (response.status_code, response.get_json()["code"]) == (422, "limit_exceeded")


@pytest.mark.parametrize("amount", ["12500", 12.5, 0, -5, True])
def test_an_amount_must_be_a_positive_json_integer(client, app, e2c, awa, amount):
    response = pay(client, app, awa, amount=amount)

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_an_idempotency_key_is_required(client, app, e2c, awa):
    response = post(
        client,
        app,
        awa,
        "/bill-payments",
        {"biller": "E2C", "bill_reference": CONTRACT, "amount": 1_000},
        idempotent=False,
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "idempotency_key_missing")


def test_a_replayed_request_pays_once(client, app, runtime, e2c, awa):
    first = pay(client, app, awa, key="bill-1")
    again = pay(client, app, awa, key="bill-1")

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert wallet_of(runtime, awa) == 50_000 - 12_600


def test_only_customers_pay_bills(client, app, runtime, e2c):
    with transaction(runtime) as session:
        _client, key = factories.api_client(session, "merchant")

    anonymous = client.post(f"{API}/bill-payments", json={})
    merchant = client.post(f"{API}/bill-payments", json={}, headers=api_key(key, "k"))

    assert anonymous.status_code == 401
    assert (merchant.status_code, merchant.get_json()["code"]) == (403, "forbidden")


def test_a_wrong_code_counts_and_the_third_fails_the_payment(client, app, runtime, e2c, awa):
    transfer = pay(client, app, awa).get_json()

    first = confirm(client, app, awa, transfer["id"], "000000")
    confirm(client, app, awa, transfer["id"], "000000")
    third = confirm(client, app, awa, transfer["id"], "000000")

    assert (first.status_code, first.get_json()["code"]) == (422, "invalid_otp")
    assert third.get_json()["code"] == "otp_attempts_exceeded"
    assert wallet_of(runtime, awa) == 50_000


def test_an_expired_code_releases_the_funds(client, app, runtime, clock, e2c, awa):
    transfer = pay(client, app, awa).get_json()
    clock.advance(minutes=6)

    response = confirm(client, app, awa, transfer["id"], otp_for(app, awa))

    assert (response.status_code, response.get_json()["code"]) == (422, "otp_expired")
    assert wallet_of(runtime, awa) == 50_000


def test_a_cancelled_payment_releases_the_funds(client, app, runtime, e2c, awa):
    transfer = pay(client, app, awa).get_json()

    response = post(client, app, awa, f"/transfers/{transfer['id']}/cancel", idempotent=False)

    assert response.get_json()["status"] == "cancelled"
    assert wallet_of(runtime, awa) == 50_000


# -- the USSD contract ------------------------------------------------------------


def test_list_billers_gives_the_active_billers(runtime, e2c, passport):
    with transaction(runtime) as session:
        found = {b.code: b for b in bills.list_billers(session)}

    assert set(found) == {"E2C", "PASSEPORT"}
    assert found["PASSEPORT"].fixed_amount == 65_000
    assert found["E2C"].reference_example == CONTRACT


def test_paying_with_the_pin_completes_at_once(app, runtime, e2c, awa):
    with transaction(runtime) as session:
        transfer = bills.pay_bill_with_pin(
            session,
            awa,
            biller_code="e2c",
            bill_reference=CONTRACT,
            amount=5_000,
            pin=factories.PIN,
            client_key="ussd-session-1:5",
        )
        status, channel = transfer.status, transfer.channel

    assert (status, channel) == ("completed", "ussd")
    assert wallet_of(runtime, awa) == 44_900
    assert available(runtime, chart.biller("E2C")) == 5_000
    assert CONTRACT in sms_to(app, awa.msisdn)[-1]


def test_a_retried_ussd_step_pays_once(runtime, e2c, awa):
    for _ in range(2):
        with transaction(runtime) as session:
            bills.pay_bill_with_pin(
                session,
                awa,
                biller_code="E2C",
                bill_reference=CONTRACT,
                amount=5_000,
                pin=factories.PIN,
                client_key="ussd-session-1:5",
            )

    assert wallet_of(runtime, awa) == 44_900


def test_a_wrong_pin_is_counted_and_nothing_moves(runtime, e2c, awa):
    from app.customers.models import Customer
    from app.errors import InvalidPin

    with pytest.raises(InvalidPin), transaction(runtime) as session:
        bills.pay_bill_with_pin(
            session, awa, biller_code="E2C", bill_reference=CONTRACT, amount=5_000, pin="9999"
        )

    with transaction(runtime) as session:
        assert session.get(Customer, awa.id).failed_pin_attempts == 1
    assert wallet_of(runtime, awa) == 50_000


def test_the_pin_is_checked_before_the_bill(runtime, e2c, awa):
    from app.errors import InvalidPin

    with pytest.raises(InvalidPin), transaction(runtime) as session:
        bills.pay_bill_with_pin(
            session, awa, biller_code="E2C", bill_reference="bad", amount=5_000, pin="9999"
        )
