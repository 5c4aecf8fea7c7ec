"""Remittances sent from a wallet (API.md "Remittances"), through HTTP.

Awa (100 000 FCFA) sends 20 000 FCFA to Jean, who has no wallet; the fee for
20 000 is 500. Jean collects the cash at a Poto-Poto counter with the code.
"""

import json

import pytest
from sqlalchemy import select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.notify.models import SmsMessage
from tests import factories

API = "/api/v1"
JEAN = "+242069990001"


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=50_000)


def balance(runtime, code):
    with transaction(runtime) as session:
        return ledger.balance(session, code)


def send(client, app, who, amount=20_000, to=JEAN, key=None):
    return client.post(
        f"{API}/remittances",
        json={"recipient": {"name": "Jean Okemba", "msisdn": to}, "amount": amount},
        headers={**factories.headers_for(app, who), "Idempotency-Key": key or factories.key()},
    )


def send_and_confirm(client, app, awa, amount=20_000):
    remittance = send(client, app, awa, amount).get_json()
    otp = factories.sms_code(app, awa.msisdn, digits=6)
    response = client.post(
        f"{API}/remittances/{remittance['id']}/confirm",
        json={"otp": otp},
        headers=factories.headers_for(app, awa),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def pay_out(client, app, agent, code, key=None):
    return client.post(
        f"{API}/agent/remittances/payout",
        json={"code": code, "recipient_id_type": "national_id", "recipient_id_number": "CG123456"},
        headers={**factories.headers_for(app, agent), "Idempotency-Key": key or factories.key()},
    )


def test_sending_reserves_amount_and_fee_and_asks_for_the_otp(client, app, runtime, awa):
    response = send(client, app, awa)

    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending_confirmation"
    assert (body["amount"], body["fee"], body["currency"]) == (20_000, 500, "XAF")
    assert body["recipient"] == {"name": "Jean Okemba", "msisdn": JEAN}
    assert body["otp"]["attempts_left"] == 3
    wallet = balance(runtime, chart.wallet(awa.id))
    assert (wallet.available, wallet.pending) == (79_500, 20_500)


def test_confirming_puts_it_awaiting_payout_and_texts_the_code_to_the_recipient(
    client, app, runtime, awa
):
    body = send_and_confirm(client, app, awa)

    assert body["status"] == "awaiting_payout"
    assert body["otp"] is None
    assert body["expires_at"].startswith("2026-12-28")  # 30 days
    assert balance(runtime, chart.wallet(awa.id)).posted == 79_500
    assert balance(runtime, chart.REMIT_PAYABLE).posted == 20_000
    assert balance(runtime, chart.fees("remit")).posted == 500
    assert len(factories.sms_code(app, JEAN)) == 10


def test_the_sender_gets_a_receipt_with_the_reference(client, app, runtime, awa):
    from app.notify.gateways import recording_outbox

    body = send_and_confirm(client, app, awa)

    texts = [text for to, text in recording_outbox(runtime) if to == awa.msisdn]
    assert body["reference"] in texts[-1]
    assert "20 000 FCFA" in texts[-1]


def test_the_code_is_in_no_response_and_no_stored_sms(client, app, runtime, awa):
    body = send_and_confirm(client, app, awa)
    code = factories.sms_code(app, JEAN)

    shown = client.get(f"{API}/remittances/{body['id']}", headers=factories.headers_for(app, awa))
    assert code not in json.dumps(body)
    assert code not in shown.get_data(as_text=True)
    with transaction(runtime) as session:
        bodies = session.scalars(select(SmsMessage.body)).all()
    assert all(code not in text for text in bodies)


def test_any_counter_pays_it_in_cash_against_the_code_and_an_id(client, app, runtime, awa, counter):
    sent = send_and_confirm(client, app, awa)

    response = pay_out(client, app, counter, factories.sms_code(app, JEAN))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["status"], body["payout_method"]) == (sent["id"], "paid_out", "cash")
    # 20 000 handed over, plus the payout commission: 25 bp of 20 000.
    assert balance(runtime, chart.float_account(counter.id)).posted == 50_000 + 20_000 + 50
    assert balance(runtime, chart.REMIT_PAYABLE).posted == 0


def test_the_recipients_identity_document_is_recorded_at_payout(client, app, runtime, awa, counter):
    from app.remittances.models import Remittance

    sent = send_and_confirm(client, app, awa)
    pay_out(client, app, counter, factories.sms_code(app, JEAN))

    with transaction(runtime) as session:
        remittance = session.get(Remittance, sent["id"])
        assert (remittance.recipient_id_type, remittance.recipient_id_number) == (
            "national_id",
            "CG123456",
        )
        assert remittance.payout_agent_id == counter.id


def test_a_code_pays_once(client, app, awa, counter):
    send_and_confirm(client, app, awa)
    code = factories.sms_code(app, JEAN)
    pay_out(client, app, counter, code)

    again = pay_out(client, app, counter, code)

    assert again.status_code == 422
    assert again.get_json()["code"] == "invalid_state"


def test_the_sender_is_told_when_it_was_collected(client, app, runtime, awa, counter):
    from app.notify.gateways import recording_outbox

    sent = send_and_confirm(client, app, awa)
    pay_out(client, app, counter, factories.sms_code(app, JEAN))

    last = [text for to, text in recording_outbox(runtime) if to == awa.msisdn][-1]
    assert sent["reference"] in last
    assert "payé" in last


def test_a_replayed_send_returns_the_first_answer_and_reserves_once(client, app, runtime, awa):
    first = send(client, app, awa, key="send-1")
    second = send(client, app, awa, key="send-1")

    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
    assert balance(runtime, chart.wallet(awa.id)).pending == 20_500


def test_confirming_again_returns_the_remittance_unchanged(client, app, awa):
    body = send_and_confirm(client, app, awa)

    again = client.post(
        f"{API}/remittances/{body['id']}/confirm",
        json={"otp": "000000"},
        headers=factories.headers_for(app, awa),
    )

    assert again.status_code == 200
    assert again.get_json()["status"] == "awaiting_payout"


def test_a_wrong_otp_says_how_many_tries_are_left(client, app, awa):
    sent = send(client, app, awa).get_json()
    right = factories.sms_code(app, awa.msisdn, digits=6)
    wrong = "111111" if right != "111111" else "222222"

    response = client.post(
        f"{API}/remittances/{sent['id']}/confirm",
        json={"otp": wrong},
        headers=factories.headers_for(app, awa),
    )

    assert response.status_code == 422
    assert (response.get_json()["code"], response.get_json()["attempts_left"]) == ("invalid_otp", 2)


def test_an_unconfirmed_remittance_expires_and_releases_the_funds(client, app, runtime, clock, awa):
    sent = send(client, app, awa).get_json()
    otp = factories.sms_code(app, awa.msisdn, digits=6)
    clock.advance(minutes=6)

    response = client.post(
        f"{API}/remittances/{sent['id']}/confirm",
        json={"otp": otp},
        headers=factories.headers_for(app, awa),
    )

    assert response.get_json()["code"] == "otp_expired"
    wallet = balance(runtime, chart.wallet(awa.id))
    assert (wallet.available, wallet.pending) == (100_000, 0)


def test_cancelling_before_confirmation_releases_the_funds(client, app, runtime, awa):
    sent = send(client, app, awa).get_json()

    response = client.post(
        f"{API}/remittances/{sent['id']}/cancel", headers=factories.headers_for(app, awa)
    )

    assert response.get_json()["status"] == "cancelled"
    wallet = balance(runtime, chart.wallet(awa.id))
    assert (wallet.available, wallet.pending) == (100_000, 0)


def test_cancelling_before_payout_refunds_the_amount_and_keeps_the_fee(client, app, runtime, awa):
    sent = send_and_confirm(client, app, awa)

    response = client.post(
        f"{API}/remittances/{sent['id']}/cancel", headers=factories.headers_for(app, awa)
    )

    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert balance(runtime, chart.wallet(awa.id)).posted == 100_000 - 500
    assert balance(runtime, chart.REMIT_PAYABLE).posted == 0


def test_a_cancelled_remittances_code_pays_nothing(client, app, awa, counter):
    sent = send_and_confirm(client, app, awa)
    client.post(f"{API}/remittances/{sent['id']}/cancel", headers=factories.headers_for(app, awa))

    response = pay_out(client, app, counter, factories.sms_code(app, JEAN))

    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_state"


def test_a_paid_remittance_cannot_be_cancelled(client, app, awa, counter):
    sent = send_and_confirm(client, app, awa)
    pay_out(client, app, counter, factories.sms_code(app, JEAN))

    response = client.post(
        f"{API}/remittances/{sent['id']}/cancel", headers=factories.headers_for(app, awa)
    )

    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_state"


class TestWhenTheFeeIsRefunded:
    @pytest.fixture
    def config_overrides(self):
        return {"REMITTANCE_REFUND_FEE": True}

    def test_cancelling_refunds_amount_and_fee(self, client, app, runtime, awa):
        sent = send_and_confirm(client, app, awa)

        client.post(
            f"{API}/remittances/{sent['id']}/cancel", headers=factories.headers_for(app, awa)
        )

        assert balance(runtime, chart.wallet(awa.id)).posted == 100_000
        assert balance(runtime, chart.fees("remit")).posted == 0


def test_only_the_sender_and_admins_see_a_remittance(client, app, runtime, awa, counter):
    sent = send(client, app, awa).get_json()
    with transaction(runtime) as session:
        other = factories.customer(session)
        admin = factories.admin(session)
    url = f"{API}/remittances/{sent['id']}"

    assert client.get(url, headers=factories.headers_for(app, awa)).status_code == 200
    assert client.get(url, headers=factories.headers_for(app, admin)).status_code == 200
    assert client.get(url, headers=factories.headers_for(app, other)).status_code == 404
    assert client.get(url, headers=factories.headers_for(app, counter)).status_code == 403
    assert client.get(url).status_code == 401


def test_agents_do_not_send_from_wallets_and_customers_do_not_pay_out(client, app, awa, counter):
    assert send(client, app, counter).status_code == 403
    assert pay_out(client, app, awa, "1234567890").status_code == 403


def test_sending_needs_an_idempotency_key(client, app, awa):
    response = client.post(
        f"{API}/remittances",
        json={"recipient": {"name": "Jean Okemba", "msisdn": JEAN}, "amount": 5_000},
        headers=factories.headers_for(app, awa),
    )

    assert response.status_code == 400
    assert response.get_json()["code"] == "idempotency_key_missing"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipient": {"name": "Jean Okemba", "msisdn": JEAN}, "amount": "5000"}, "amount"),
        ({"recipient": {"name": "Jean Okemba", "msisdn": JEAN}, "amount": 0}, "amount"),
        ({"recipient": {"name": "Jean Okemba", "msisdn": JEAN}, "amount": 50.5}, "amount"),
        ({"amount": 5_000}, "recipient"),
        ({"recipient": {"name": "Jean Okemba", "msisdn": "12"}, "amount": 5_000}, "recipient"),
        ({"recipient": {"name": "Jean", "msisdn": "+33612345678"}, "amount": 5_000}, "recipient"),
        ({"recipient": {"name": "!!", "msisdn": JEAN}, "amount": 5_000}, "recipient.name"),
    ],
)
def test_bad_input_is_a_validation_error(client, app, awa, body, field):
    response = client.post(
        f"{API}/remittances",
        json=body,
        headers={**factories.headers_for(app, awa), "Idempotency-Key": factories.key()},
    )

    assert response.status_code == 400
    assert response.get_json()["code"] == "validation_error"
    assert any(key.startswith(field) for key in response.get_json()["errors"])


def test_the_senders_kyc_limit_applies(client, app, awa):
    response = send(client, app, awa, amount=100_001)  # above the basic single cap of 100 000

    assert response.get_json()["code"] == "limit_exceeded"


def test_a_wallet_cannot_send_more_than_it_holds(client, app, runtime):
    with transaction(runtime) as session:
        poor = factories.customer(session, balance=5_000)

    response = send(client, app, poor, amount=5_000)

    assert response.status_code == 422
    assert response.get_json()["code"] == "insufficient_funds"
