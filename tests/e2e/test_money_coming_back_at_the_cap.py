"""Money coming back to a wallet at its KYC balance cap (issue 13, item 3).

Awa is on the basic tier: her wallet may hold at most 200 000 FCFA. Every path
that credits a wallet either checks the cap first or, for a refund, takes the
money elsewhere: a refund that does not fit becomes a cash pickup (a ``return``
remittance whose code is texted to her), and an operator's reversal that does
not fit is refused with ``limit_exceeded``. The wallet never goes above the cap,
and no franc is lost or invented (the ledger checks run after every test).
docs/LEDGER.md, "Money coming back and the balance cap".
"""

import pytest
from sqlalchemy import select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.payments.models import PaymentRequest
from app.remittances.models import Remittance
from tests import factories
from tests.e2e.cyber_support import api_key
from tests.e2e.payments_support import (
    API,
    available,
    confirm,
    float_of,
    otp_for,
    post,
    send_p2p,
    sms_to,
)
from workers.remittances import expire_due

CAP = 200_000  # basic tier
JEAN = "+242069990001"


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=1_000_000)


@pytest.fixture
def awa_balance():
    return 0


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, balance=150_000, first_name="Bruno")


@pytest.fixture
def boss(runtime):
    with transaction(runtime) as session:
        return factories.admin(session)


def posted(runtime, who):
    with transaction(runtime) as session:
        return ledger.balance(session, chart.wallet(who.id)).posted


def cash_in(client, app, agent, who, amount):
    response = post(client, app, agent, "/agent/cash-in", {"msisdn": who.msisdn, "amount": amount})
    assert response.status_code == 201, response.get_json()


def top_up_to_the_cap(client, app, agent, runtime, who):
    cash_in(client, app, agent, who, CAP - posted(runtime, who))
    assert posted(runtime, who) == CAP


def send_remittance(client, app, who, amount):
    sent = post(
        client,
        app,
        who,
        "/remittances",
        {"recipient": {"name": "Jean Okemba", "msisdn": JEAN}, "amount": amount},
    )
    assert sent.status_code == 201, sent.get_json()
    done = post(
        client,
        app,
        who,
        f"/remittances/{sent.get_json()['id']}/confirm",
        {"otp": otp_for(app, who)},
        idempotent=False,
    )
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def cancel(client, app, who, remittance_id):
    return post(client, app, who, f"/remittances/{remittance_id}/cancel", idempotent=False)


def pay_out(client, app, agent, code):
    return post(
        client,
        app,
        agent,
        "/agent/remittances/payout",
        {"code": code, "recipient_id_type": "national_id", "recipient_id_number": "CG123456"},
    )


def returns_to(runtime, msisdn):
    with transaction(runtime) as session:
        return session.scalars(
            select(Remittance).where(
                Remittance.source == "return", Remittance.recipient_msisdn == msisdn
            )
        ).all()


# --- Remittance refunds: cancel by the sender, expiry by the sweep --------------------------


def test_the_issues_scenario_a_cancel_at_the_cap_refunds_as_a_cash_pickup(
    client, app, runtime, counter, awa
):
    cash_in(client, app, counter, awa, 150_000)
    remittance = send_remittance(client, app, awa, 100_000)
    top_up_to_the_cap(client, app, counter, runtime, awa)

    response = cancel(client, app, awa, remittance["id"])

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "cancelled"
    (returned,) = returns_to(runtime, awa.msisdn)
    assert body["refund"] == {
        "method": "cash_pickup",
        "amount": 100_000,
        "reference": returned.reference,
    }
    assert posted(runtime, awa) == CAP  # not 300 000
    assert (returned.status, returned.amount, returned.expires_at) == (
        "awaiting_payout",
        100_000,
        None,
    )
    text = sms_to(app, awa.msisdn)[-1]
    assert remittance["reference"] in text and "100 000 FCFA" in text and "plafond" in text


def test_the_cash_pickup_of_a_refund_is_paid_at_any_counter(client, app, runtime, counter, awa):
    cash_in(client, app, counter, awa, 150_000)
    remittance = send_remittance(client, app, awa, 100_000)
    top_up_to_the_cap(client, app, counter, runtime, awa)
    cancel(client, app, awa, remittance["id"])
    float_before = float_of(runtime, counter)

    paid = pay_out(client, app, counter, factories.sms_code(app, awa.msisdn))

    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "paid_out"
    assert float_of(runtime, counter) >= float_before + 100_000
    assert posted(runtime, awa) == CAP


def test_a_refund_that_fits_under_the_cap_goes_back_into_the_wallet(
    client, app, runtime, counter, awa
):
    cash_in(client, app, counter, awa, 150_000)
    remittance = send_remittance(client, app, awa, 100_000)
    room = 100_000  # the refund fills the wallet exactly to the cap
    cash_in(client, app, counter, awa, CAP - room - posted(runtime, awa))

    body = cancel(client, app, awa, remittance["id"]).get_json()

    assert body["status"] == "cancelled"
    assert body["refund"] == {"method": "wallet", "amount": 100_000}
    assert posted(runtime, awa) == CAP
    assert returns_to(runtime, awa.msisdn) == []


def test_an_expired_remittance_at_the_cap_is_refunded_as_a_cash_pickup(
    client, app, runtime, clock, counter, awa
):
    cash_in(client, app, counter, awa, 150_000)
    remittance = send_remittance(client, app, awa, 100_000)
    top_up_to_the_cap(client, app, counter, runtime, awa)
    clock.advance(days=31)

    expire_due()

    with transaction(runtime) as session:
        original = session.get(Remittance, remittance["id"])
        assert original.status == "expired"
        assert original.meta["refund"]["method"] == "cash_pickup"
    assert posted(runtime, awa) == CAP
    (returned,) = returns_to(runtime, awa.msisdn)
    assert returned.amount == 100_000
    assert "plafond" in sms_to(app, awa.msisdn)[-1]
    assert pay_out(client, app, counter, factories.sms_code(app, awa.msisdn)).status_code == 200


@pytest.mark.parametrize("config_overrides", [{"REMITTANCE_REFUND_FEE": True}])
def test_a_refunded_fee_joins_the_cash_pickup(client, app, runtime, counter, awa, config_overrides):
    cash_in(client, app, counter, awa, 150_000)
    remittance = send_remittance(client, app, awa, 100_000)
    fee = remittance["fee"]
    assert fee > 0
    top_up_to_the_cap(client, app, counter, runtime, awa)
    fees_before = available(runtime, chart.fees("remit"))

    body = cancel(client, app, awa, remittance["id"]).get_json()

    assert body["refund"]["amount"] == 100_000 + fee
    (returned,) = returns_to(runtime, awa.msisdn)
    assert returned.amount == 100_000 + fee
    assert available(runtime, chart.fees("remit")) == fees_before - fee
    assert posted(runtime, awa) == CAP


def test_the_code_of_a_refund_can_be_claimed_into_the_wallet_once_the_cap_allows(
    client, app, runtime, counter, awa
):
    cash_in(client, app, counter, awa, 150_000)
    remittance = send_remittance(client, app, awa, 100_000)
    top_up_to_the_cap(client, app, counter, runtime, awa)
    cancel(client, app, awa, remittance["id"])
    code = factories.sms_code(app, awa.msisdn)

    refused = post(client, app, awa, "/remittances/claim", {"code": code})
    assert (refused.status_code, refused.get_json()["code"]) == (422, "limit_exceeded")

    upgraded = post(  # her KYC tier goes up at a counter: cap 1 000 000
        client,
        app,
        counter,
        f"/customers/{awa.id}/kyc",
        {"tier": "standard", "id_type": "national_id", "id_number": "CG7654321"},
        idempotent=False,
    )
    assert upgraded.status_code == 200, upgraded.get_json()
    claimed = post(client, app, awa, "/remittances/claim", {"code": code})
    assert claimed.status_code == 200, claimed.get_json()
    assert posted(runtime, awa) == CAP + 100_000


# --- Merchant refunds -----------------------------------------------------------------------


@pytest.fixture
def shop(runtime):
    with transaction(runtime) as session:
        return factories.merchant(session, name="Boutique Ndeko")


def buy(client, app, shop, who, amount):
    created = client.post(
        f"{API}/merchant/payment-requests",
        json={"msisdn": who.msisdn, "amount": amount, "reference": "CMD-1"},
        headers=api_key(shop.api_key, factories.key()),
    ).get_json()
    approve = f"/payment-requests/{created['id']}/approve"
    paid = post(client, app, who, approve, {"pin": factories.PIN}, idempotent=False)
    assert paid.status_code == 200, paid.get_json()
    with transaction(app.extensions["postcash"]) as session:
        return created["id"], session.get(PaymentRequest, created["id"]).transfer_id


def merchant_refund(client, shop, request_id, amount):
    return client.post(
        f"{API}/merchant/payments/{request_id}/refunds",
        json={"amount": amount},
        headers=api_key(shop.api_key, factories.key()),
    )


def test_a_merchant_refund_at_the_cap_is_paid_as_a_cash_pickup(
    client, app, runtime, counter, shop, awa
):
    cash_in(client, app, counter, awa, 100_000)
    request_id, _transfer_id = buy(client, app, shop, awa, 40_000)
    top_up_to_the_cap(client, app, counter, runtime, awa)
    shop_before = available(runtime, chart.merchant(shop.client.id))

    response = merchant_refund(client, shop, request_id, 40_000)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["paid_to"], body["amount"], body["refundable"]) == ("cash_pickup", 40_000, 0)
    assert posted(runtime, awa) == CAP
    assert available(runtime, chart.merchant(shop.client.id)) == shop_before - 40_000 + 600
    (returned,) = returns_to(runtime, awa.msisdn)
    assert (returned.amount, returned.sender_name) == (40_000, "Boutique Ndeko")
    text = sms_to(app, awa.msisdn)[-1]
    assert "Boutique Ndeko" in text and "40 000 FCFA" in text and "plafond" in text
    assert pay_out(client, app, counter, factories.sms_code(app, awa.msisdn)).status_code == 200


def test_a_merchant_refund_that_fits_goes_into_the_wallet(client, app, runtime, shop, bruno):
    request_id, _transfer_id = buy(client, app, shop, bruno, 40_000)

    body = merchant_refund(client, shop, request_id, 40_000).get_json()

    assert body["paid_to"] == "wallet"
    assert posted(runtime, bruno) == 150_000
    assert returns_to(runtime, bruno.msisdn) == []


# --- Operators' reversals: refused, nothing moves --------------------------------------------


def reverse(client, app, admin, transfer_id):
    return post(client, app, admin, f"/transfers/{transfer_id}/reversal", {"reason": "dispute"})


def assert_refused_at_the_cap(response, runtime, who, transfer_id):
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert (problem["code"], problem["limit"], problem["remaining"]) == (
        "limit_exceeded",
        "balance",
        0,
    )
    assert "nothing was reversed" in problem["detail"]
    assert posted(runtime, who) == CAP
    with transaction(runtime) as session:
        from app.transfers.models import Transfer

        assert session.get(Transfer, transfer_id).status == "completed"


def test_reversing_a_p2p_transfer_into_a_wallet_at_the_cap_is_refused(
    client, app, runtime, counter, boss, awa, bruno
):
    cash_in(client, app, counter, awa, 100_000)
    transfer = send_p2p(client, app, awa, bruno.msisdn, 10_000).get_json()
    assert confirm(client, app, awa, transfer["id"], otp_for(app, awa)).status_code == 200
    top_up_to_the_cap(client, app, counter, runtime, awa)

    response = reverse(client, app, boss, transfer["id"])

    assert_refused_at_the_cap(response, runtime, awa, transfer["id"])
    assert posted(runtime, bruno) == 160_000


def test_a_refused_reversal_goes_through_once_the_customer_made_room(
    client, app, runtime, counter, boss, awa, bruno
):
    cash_in(client, app, counter, awa, 100_000)
    transfer = send_p2p(client, app, awa, bruno.msisdn, 10_000).get_json()
    confirm(client, app, awa, transfer["id"], otp_for(app, awa))
    top_up_to_the_cap(client, app, counter, runtime, awa)
    assert reverse(client, app, boss, transfer["id"]).status_code == 422
    withdrawal = post(client, app, awa, "/withdrawals", {"amount": 20_000}).get_json()
    cashed = post(
        client,
        app,
        counter,
        "/agent/cash-out",
        {"msisdn": awa.msisdn, "code": withdrawal["code"]},
    )
    assert cashed.status_code == 200, cashed.get_json()

    response = reverse(client, app, boss, transfer["id"])

    assert response.status_code == 200, response.get_json()
    assert posted(runtime, awa) <= CAP


def test_reversing_a_bill_payment_into_a_wallet_at_the_cap_is_refused(
    client, app, runtime, counter, boss, awa
):
    with transaction(runtime) as session:
        factories.biller(session, code="E2C")
    cash_in(client, app, counter, awa, 100_000)
    bill = post(
        client,
        app,
        awa,
        "/bill-payments",
        {"biller": "E2C", "bill_reference": "01234567890", "amount": 12_500},
    ).get_json()
    assert confirm(client, app, awa, bill["id"], otp_for(app, awa)).status_code == 200
    top_up_to_the_cap(client, app, counter, runtime, awa)

    assert_refused_at_the_cap(reverse(client, app, boss, bill["id"]), runtime, awa, bill["id"])


def test_reversing_a_merchant_payment_into_a_wallet_at_the_cap_is_refused(
    client, app, runtime, counter, boss, shop, awa
):
    cash_in(client, app, counter, awa, 100_000)
    request_id, transfer_id = buy(client, app, shop, awa, 40_000)
    top_up_to_the_cap(client, app, counter, runtime, awa)

    response = reverse(client, app, boss, transfer_id)

    assert_refused_at_the_cap(response, runtime, awa, transfer_id)
    with transaction(runtime) as session:  # the reversal hook's changes rolled back too
        assert session.get(PaymentRequest, request_id).refunded == 0
    assert merchant_refund(client, shop, request_id, 40_000).get_json()["paid_to"] == "cash_pickup"


def test_reversing_a_withdrawal_into_a_wallet_at_the_cap_is_refused(
    client, app, runtime, counter, boss, awa
):
    cash_in(client, app, counter, awa, 100_000)
    withdrawal = post(client, app, awa, "/withdrawals", {"amount": 20_000}).get_json()
    cashed = post(
        client, app, counter, "/agent/cash-out", {"msisdn": awa.msisdn, "code": withdrawal["code"]}
    )
    assert cashed.status_code == 200, cashed.get_json()
    top_up_to_the_cap(client, app, counter, runtime, awa)
    transfer_id = withdrawal["transfer"]["id"]

    assert_refused_at_the_cap(reverse(client, app, boss, transfer_id), runtime, awa, transfer_id)


def test_a_reversal_that_takes_money_out_of_a_wallet_at_the_cap_is_not_refused(
    client, app, runtime, counter, boss, awa, bruno
):
    cash_in(client, app, counter, bruno, 10_000)  # Bruno 160 000
    transfer = send_p2p(client, app, bruno, awa.msisdn, 40_000).get_json()
    assert confirm(client, app, bruno, transfer["id"], otp_for(app, bruno)).status_code == 200
    top_up_to_the_cap(client, app, counter, runtime, awa)

    response = reverse(client, app, boss, transfer["id"])

    assert response.status_code == 200, response.get_json()
    assert posted(runtime, awa) == CAP - 40_000


# --- The other credit paths check the cap before any money moves ----------------------------


def test_a_p2p_transfer_to_a_wallet_at_the_cap_is_refused(
    client, app, runtime, counter, awa, bruno
):
    top_up_to_the_cap(client, app, counter, runtime, awa)

    response = send_p2p(client, app, bruno, awa.msisdn, 1_000)

    assert (response.status_code, response.get_json()["code"]) == (422, "limit_exceeded")
    assert posted(runtime, awa) == CAP


def test_a_cash_in_above_the_cap_is_refused(client, app, runtime, counter, awa):
    top_up_to_the_cap(client, app, counter, runtime, awa)

    response = post(client, app, counter, "/agent/cash-in", {"msisdn": awa.msisdn, "amount": 1})

    assert (response.status_code, response.get_json()["code"]) == (422, "limit_exceeded")


def test_claiming_a_remittance_into_a_wallet_at_the_cap_is_refused_and_the_code_stays_good(
    client, app, runtime, counter, awa, bruno
):
    sent = post(
        client,
        app,
        bruno,
        "/remittances",
        {"recipient": {"name": "Awa Mabiala", "msisdn": awa.msisdn}, "amount": 10_000},
    ).get_json()
    post(
        client,
        app,
        bruno,
        f"/remittances/{sent['id']}/confirm",
        {"otp": otp_for(app, bruno)},
        idempotent=False,
    )
    top_up_to_the_cap(client, app, counter, runtime, awa)
    code = factories.sms_code(app, awa.msisdn)

    refused = post(client, app, awa, "/remittances/claim", {"code": code})

    assert (refused.status_code, refused.get_json()["code"]) == (422, "limit_exceeded")
    assert pay_out(client, app, counter, code).status_code == 200


def test_an_inbound_partner_remittance_to_a_wallet_at_the_cap_is_refused(
    client, app, runtime, counter, awa
):
    with transaction(runtime) as session:
        partner, key = factories.api_client(session, "partner")
        factories.fund(session, chart.partner(partner.id), 1_000_000)
    top_up_to_the_cap(client, app, counter, runtime, awa)

    response = client.post(
        f"{API}/partners/remittances",
        json={
            "partner_reference": "TEE-CAP-1",
            "sender": {"name": "Pierre Loubaki", "country": "FR"},
            "recipient": {"name": "Awa Mabiala", "msisdn": awa.msisdn},
            "send_amount": 10,
            "send_currency": "EUR",
            "payout": "wallet",
        },
        headers={"X-API-Key": key, "Idempotency-Key": factories.key()},
    )

    assert (response.status_code, response.get_json()["code"]) == (422, "limit_exceeded")
    assert available(runtime, chart.partner(partner.id)) == 1_000_000
    assert posted(runtime, awa) == CAP


def test_a_disbursement_line_to_a_wallet_at_the_cap_is_rejected(client, app, runtime, counter, awa):
    with transaction(runtime) as session:
        payer, key = factories.payer(session, balance=100_000)
    top_up_to_the_cap(client, app, counter, runtime, awa)
    batch = client.post(
        f"{API}/disbursements/batches",
        json={
            "reference": "CAP-1",
            "items": [
                {"msisdn": awa.msisdn, "name": "Awa Mabiala", "amount": 5_000, "reference": "L1"}
            ],
        },
        headers=api_key(key, factories.key()),
    ).get_json()

    assert batch["rejected"] == [{"line": 1, "code": "limit_exceeded"}]
    assert posted(runtime, awa) == CAP
    assert available(runtime, chart.payer(payer.id)) == 100_000


def test_cancelling_an_outgoing_payment_releases_a_reservation_and_never_lifts_the_balance(
    client, app, runtime, counter, awa, bruno
):
    top_up_to_the_cap(client, app, counter, runtime, awa)
    transfer = send_p2p(client, app, awa, bruno.msisdn, 10_000).get_json()
    cancelled = post(client, app, awa, f"/transfers/{transfer['id']}/cancel", idempotent=False)
    assert cancelled.get_json()["status"] == "cancelled"

    assert posted(runtime, awa) == CAP
    refused = post(client, app, counter, "/agent/cash-in", {"msisdn": awa.msisdn, "amount": 1})
    assert refused.get_json()["code"] == "limit_exceeded"
