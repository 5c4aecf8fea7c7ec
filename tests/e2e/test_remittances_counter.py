"""Remittances at the post-office counter: cash sends, payouts, claims, lock-outs, report.

A walk-in sender, Marie, gives the Poto-Poto counter 30 000 FCFA + 1 000 fee for
Awa, who has a wallet and claims it there with the code from her SMS.
"""

from datetime import date

import pytest
from sqlalchemy import select

from app import ledger
from app.audit import AuditEvent
from app.db import transaction
from app.ledger import chart
from tests import factories

API = "/api/v1"
MARIE = "+242055550001"
JEAN = "+242069990001"
SENDER = {"name": "Marie Nkounkou", "msisdn": MARIE}


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=200_000)


@pytest.fixture
def other_counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=10_000, post_office="Bureau de Ouenzé")


@pytest.fixture
def awa_balance():
    return 0


def balance(runtime, code):
    with transaction(runtime) as session:
        return ledger.balance(session, code).posted


def send_cash(client, app, agent, amount=30_000, recipient=None, sender=None, key=None):
    return client.post(
        f"{API}/agent/remittances",
        json={
            "sender": sender or SENDER,
            "recipient": recipient or {"name": "Jean Okemba", "msisdn": JEAN},
            "amount": amount,
        },
        headers={**factories.headers_for(app, agent), "Idempotency-Key": key or factories.key()},
    )


def pay_out(client, app, agent, code):
    return client.post(
        f"{API}/agent/remittances/payout",
        json={"code": code, "recipient_id_type": "passport", "recipient_id_number": "OA1234567"},
        headers={**factories.headers_for(app, agent), "Idempotency-Key": factories.key()},
    )


def claim(client, app, customer, code):
    return client.post(
        f"{API}/remittances/claim",
        json={"code": code},
        headers=factories.headers_for(app, customer),
    )


def wrong_code(app, msisdn=JEAN):
    right = factories.sms_code(app, msisdn)
    return f"{(int(right) + 1) % 10**10:010d}"


def test_a_cash_send_is_funded_by_the_float_and_awaits_payout_at_once(
    client, app, runtime, counter
):
    response = send_cash(client, app, counter)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["source"], body["fee"]) == ("awaiting_payout", "cash", 1_000)
    assert body["sender"] == {"name": "Marie Nkounkou", "msisdn": MARIE}
    # 31 000 taken from the float, 30 % of the 1 000 fee back as send commission.
    assert balance(runtime, chart.float_account(counter.id)) == 200_000 - 31_000 + 300
    assert balance(runtime, chart.REMIT_PAYABLE) == 30_000
    assert len(factories.sms_code(app, JEAN)) == 10


def test_the_cash_sender_gets_a_receipt_with_the_reference(client, app, runtime, counter):
    from app.notify.gateways import recording_outbox

    body = send_cash(client, app, counter).get_json()

    (receipt,) = [text for to, text in recording_outbox(runtime) if to == MARIE]
    assert body["reference"] in receipt


def test_above_the_threshold_the_senders_id_is_required(client, app, counter):
    response = send_cash(client, app, counter, amount=150_000)

    assert response.status_code == 400
    assert "sender.id_number" in response.get_json()["errors"]


def test_above_the_threshold_with_an_id_the_send_is_recorded_with_it(client, app, runtime, counter):
    from app.remittances.models import Remittance

    sender = {**SENDER, "id_type": "national_id", "id_number": "cg 998877"}
    body = send_cash(client, app, counter, amount=150_000, sender=sender).get_json()

    with transaction(runtime) as session:
        remittance = session.get(Remittance, body["id"])
        assert (remittance.sender_id_type, remittance.sender_id_number) == (
            "national_id",
            "CG998877",
        )


def test_a_float_too_small_refuses_the_send(client, app, runtime):
    with transaction(runtime) as session:
        poor = factories.agent(session, float_balance=10_000)

    response = send_cash(client, app, poor, amount=10_000)

    assert response.status_code == 422
    assert response.get_json()["code"] == "insufficient_funds"


def test_the_recipient_claims_it_into_her_wallet_with_the_code(client, app, runtime, counter, awa):
    sent = send_cash(client, app, counter, recipient={"name": "Awa M", "msisdn": awa.msisdn})

    response = claim(client, app, awa, factories.sms_code(app, awa.msisdn))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["status"], body["payout_method"]) == (
        sent.get_json()["id"],
        "paid_out",
        "wallet",
    )
    assert balance(runtime, chart.wallet(awa.id)) == 30_000
    assert balance(runtime, chart.REMIT_PAYABLE) == 0


def test_a_claim_is_posted_as_a_remittance_from_the_sender_for_the_statement(
    client, app, runtime, counter, awa
):
    from app.ledger import Entry
    from app.remittances.models import Remittance

    sent = send_cash(client, app, counter, recipient={"name": "Awa M", "msisdn": awa.msisdn})
    claim(client, app, awa, factories.sms_code(app, awa.msisdn))

    with transaction(runtime) as session:
        remittance = session.get(Remittance, sent.get_json()["id"])
        entry = session.get(Entry, remittance.settle_entry_id)
        assert (entry.kind, entry.reference) == ("remittance_payout", remittance.reference)
        assert entry.meta["type"] == "remittance"
        assert entry.meta["from"] == {"name": "Marie Nkounkou", "msisdn": MARIE}


def test_a_claim_shows_on_the_recipients_statement(client, app, runtime, counter, awa):
    from app.transfers.statements import customer_statement

    send_cash(client, app, counter, recipient={"name": "Awa M", "msisdn": awa.msisdn})
    claim(client, app, awa, factories.sms_code(app, awa.msisdn))

    with transaction(runtime) as session:
        (line,), _cursor = customer_statement(session, awa)
    assert (line["type"], line["direction"], line["amount"]) == ("remittance", "credit", 30_000)
    assert line["counterparty"]["name"] == "Marie Nkounkou"


def test_only_the_named_recipient_can_claim(client, app, runtime, counter, awa):
    send_cash(client, app, counter)  # to Jean
    code = factories.sms_code(app, JEAN)

    response = claim(client, app, awa, code)

    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_otp"
    assert balance(runtime, chart.REMIT_PAYABLE) == 30_000


def test_a_wrong_code_at_the_counter_says_how_many_tries_are_left(client, app, counter):
    send_cash(client, app, counter)

    response = pay_out(client, app, counter, wrong_code(app))

    assert response.status_code == 422
    assert (response.get_json()["code"], response.get_json()["attempts_left"]) == ("invalid_otp", 4)


def test_a_code_that_is_not_ten_digits_is_a_validation_error_and_no_miss(client, app, counter):
    send_cash(client, app, counter)

    response = pay_out(client, app, counter, "12345")

    assert response.status_code == 400
    assert pay_out(client, app, counter, wrong_code(app)).get_json()["attempts_left"] == 4


def test_five_wrong_codes_in_an_hour_lock_that_counters_payouts(client, app, counter):
    send_cash(client, app, counter)
    answers = [pay_out(client, app, counter, wrong_code(app)).get_json() for _ in range(5)]

    assert [a["code"] for a in answers] == ["invalid_otp"] * 4 + ["limit_exceeded"]
    right = pay_out(client, app, counter, factories.sms_code(app, JEAN))
    assert right.status_code == 422
    assert right.get_json()["code"] == "limit_exceeded"


def test_a_locked_counter_does_not_lock_the_others(client, app, counter, other_counter):
    send_cash(client, app, counter)
    for _ in range(5):
        pay_out(client, app, counter, wrong_code(app))

    response = pay_out(client, app, other_counter, factories.sms_code(app, JEAN))

    assert response.status_code == 200


def test_the_lock_lifts_an_hour_after_the_misses(client, app, clock, counter):
    send_cash(client, app, counter)
    for _ in range(5):
        pay_out(client, app, counter, wrong_code(app))
    clock.advance(minutes=61)

    response = pay_out(client, app, counter, factories.sms_code(app, JEAN))

    assert response.status_code == 200


def test_misses_and_the_lock_out_are_audited(client, app, runtime, counter):
    send_cash(client, app, counter)
    for _ in range(5):
        pay_out(client, app, counter, wrong_code(app))

    with transaction(runtime) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == counter.id)
        ).all()
    assert actions.count("remittance.code_rejected") == 5
    assert actions.count("remittance.payouts_locked") == 1


def test_five_wrong_claims_lock_the_customers_claims(client, app, counter, awa):
    send_cash(client, app, counter, recipient={"name": "Awa M", "msisdn": awa.msisdn})
    for _ in range(5):
        claim(client, app, awa, wrong_code(app, awa.msisdn))

    response = claim(client, app, awa, factories.sms_code(app, awa.msisdn))

    assert response.get_json()["code"] == "limit_exceeded"


def test_the_days_report_lists_cash_sends_and_payouts_with_commission(
    client, app, runtime, counter, other_counter
):
    from app.agents.report import daily_report

    sent = send_cash(client, app, counter).get_json()
    pay_out(client, app, other_counter, factories.sms_code(app, JEAN))

    with transaction(runtime) as session:
        sender_day = daily_report(session, counter, date(2026, 11, 28))
        payer_day = daily_report(session, other_counter, date(2026, 11, 28))
    (send_line,) = sender_day["operations"]
    assert (send_line["type"], send_line["reference"], send_line["commission"]) == (
        "remittance_send",
        sent["reference"],
        300,
    )
    assert send_line["customer"] == "+24205*****01"
    (payout_line,) = payer_day["operations"]
    assert (payout_line["type"], payout_line["amount"], payout_line["commission"]) == (
        "remittance_payout",
        30_000,
        75,
    )
    assert payer_day["commission"] == 75


def test_customers_cannot_send_cash_remittances(client, app, awa):
    assert send_cash(client, app, awa).status_code == 403


def test_a_counter_needs_a_valid_sender(client, app, counter):
    response = send_cash(client, app, counter, sender={"name": "Marie"})

    assert response.status_code == 400
    assert "sender" in response.get_json()["errors"]
