"""P2P transfers through HTTP (API.md "Payments with OTP confirmation").

Awa holds 100 000 FCFA and sends 5 000 to Bruno; the P2P fee for 5 000 is 50.
"""

import pytest

from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.e2e.payments_support import (
    API,
    available,
    confirm,
    otp_for,
    post,
    send_p2p,
    sms_to,
    wallet_of,
)


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma", language="ln")


def test_create_reserves_amount_and_fee_and_sends_an_otp(client, app, runtime, awa, bruno):
    response = send_p2p(client, app, awa, bruno.msisdn, 5_000)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending_confirmation"
    assert (body["amount"], body["fee"], body["currency"]) == (5_000, 50, "XAF")
    assert body["from"] == awa.msisdn and body["to"] == bruno.msisdn
    assert body["otp"]["attempts_left"] == 3
    assert wallet_of(runtime, awa) == 100_000 - 5_050
    assert wallet_of(runtime, bruno) == 0
    assert len(otp_for(app, awa)) == 6


def test_confirm_moves_the_money_and_sends_both_receipts(client, app, runtime, awa, bruno):
    transfer = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    response = confirm(client, app, awa, transfer["id"], otp_for(app, awa))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "completed"
    assert response.get_json()["otp"] is None
    assert wallet_of(runtime, awa) == 94_950
    assert wallet_of(runtime, bruno) == 5_000
    assert available(runtime, chart.fees("p2p")) == 50
    sent = sms_to(app, awa.msisdn)[-1]
    received = sms_to(app, bruno.msisdn)[-1]
    assert transfer["reference"] in sent and "94 950 FCFA" in sent and "50 FCFA" in sent
    assert transfer["reference"] in received and "5 000 FCFA" in received
    assert "Awa M." in received  # Bruno reads Lingala and sees who paid him


def test_confirming_twice_completes_once(client, app, runtime, awa, bruno):
    transfer = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    otp = otp_for(app, awa)
    assert confirm(client, app, awa, transfer["id"], otp).status_code == 200
    again = confirm(client, app, awa, transfer["id"], otp)
    assert again.status_code == 200 and again.get_json()["status"] == "completed"
    assert wallet_of(runtime, bruno) == 5_000


def test_wrong_otp_counts_down_then_fails_and_releases(client, app, runtime, awa, bruno):
    transfer = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    first = confirm(client, app, awa, transfer["id"], "000000")
    assert first.status_code == 422
    assert first.get_json()["code"] == "invalid_otp"
    assert first.get_json()["attempts_left"] == 2
    assert confirm(client, app, awa, transfer["id"], "000001").get_json()["attempts_left"] == 1
    third = confirm(client, app, awa, transfer["id"], "000002")
    assert third.get_json()["code"] == "otp_attempts_exceeded"
    state = client.get(f"{API}/transfers/{transfer['id']}", headers=factories.headers_for(app, awa))
    assert state.get_json()["status"] == "failed"
    assert wallet_of(runtime, awa) == 100_000


def test_cancel_releases_the_reservation(client, app, runtime, awa, bruno):
    transfer = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    response = post(client, app, awa, f"/transfers/{transfer['id']}/cancel", idempotent=False)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert wallet_of(runtime, awa) == 100_000
    late = confirm(client, app, awa, transfer["id"], otp_for(app, awa))
    assert late.status_code == 422 and late.get_json()["code"] == "invalid_state"


def test_unconfirmed_transfer_expires_when_read(client, app, runtime, awa, bruno, clock):
    transfer = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    clock.advance(minutes=6)
    state = client.get(f"{API}/transfers/{transfer['id']}", headers=factories.headers_for(app, awa))
    assert state.get_json()["status"] == "expired"
    assert wallet_of(runtime, awa) == 100_000


def test_confirming_after_expiry_is_refused_and_releases(client, app, runtime, awa, bruno, clock):
    transfer = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    otp = otp_for(app, awa)
    clock.advance(minutes=6)
    response = confirm(client, app, awa, transfer["id"], otp)
    assert response.status_code == 422 and response.get_json()["code"] == "otp_expired"
    assert wallet_of(runtime, awa) == 100_000


def test_the_expiry_sweep_releases_stale_transfers(client, app, runtime, awa, bruno, clock):
    from workers.transfers import expire_stale

    send_p2p(client, app, awa, bruno.msisdn, 5_000)
    clock.advance(minutes=6)
    assert expire_stale() == 1
    assert expire_stale() == 0
    assert wallet_of(runtime, awa) == 100_000


def test_one_transfer_that_cannot_expire_does_not_hold_the_others(
    client, app, runtime, awa, bruno, clock, monkeypatch
):
    from workers import transfers as sweep

    stuck = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()["id"]
    send_p2p(client, app, awa, bruno.msisdn, 7_000)
    clock.advance(minutes=6)
    real = sweep.expire_one

    def broken_for_one(session, transfer_id):
        if transfer_id == stuck:
            raise RuntimeError("a row a bug left inconsistent")
        return real(session, transfer_id)

    monkeypatch.setattr(sweep, "expire_one", broken_for_one)
    assert sweep.expire_stale() == 1
    monkeypatch.setattr(sweep, "expire_one", real)
    assert sweep.expire_stale() == 1
    assert wallet_of(runtime, awa) == 100_000


def test_replay_with_the_same_idempotency_key_returns_the_first_transfer(client, app, awa, bruno):
    first = send_p2p(client, app, awa, bruno.msisdn, 5_000, key="pay-bruno-1")
    again = send_p2p(client, app, awa, bruno.msisdn, 5_000, key="pay-bruno-1")
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    other = send_p2p(client, app, awa, bruno.msisdn, 6_000, key="pay-bruno-1")
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"


def test_missing_idempotency_key_is_refused(client, app, awa, bruno):
    response = post(
        client,
        app,
        awa,
        "/transfers",
        {"type": "p2p", "to": bruno.msisdn, "amount": 5_000},
        idempotent=False,
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "idempotency_key_missing"


def test_unknown_recipient(client, app, awa):
    response = send_p2p(client, app, awa, "+242069999999", 5_000)
    assert response.status_code == 422 and response.get_json()["code"] == "recipient_not_found"


def test_sending_to_oneself_is_refused(client, app, awa):
    response = send_p2p(client, app, awa, awa.msisdn, 5_000)
    assert response.status_code == 400 and response.get_json()["code"] == "validation_error"


def test_insufficient_funds(client, app, runtime, awa, bruno):
    response = send_p2p(client, app, awa, bruno.msisdn, 99_990)
    assert response.status_code == 422 and response.get_json()["code"] == "insufficient_funds"
    assert wallet_of(runtime, awa) == 100_000


@pytest.mark.parametrize("amount", ["5000", 50.5, 0, -10, True, None])
def test_amount_must_be_a_positive_json_integer(client, app, awa, bruno, amount):
    response = send_p2p(client, app, awa, bruno.msisdn, amount)
    assert response.status_code == 400
    assert "amount" in response.get_json()["errors"]


def test_sender_single_transaction_limit(client, app, runtime, bruno):
    with transaction(runtime) as session:
        rich = factories.customer(session, balance=190_000)
    response = send_p2p(client, app, rich, bruno.msisdn, 150_000)
    assert response.status_code == 422 and response.get_json()["code"] == "limit_exceeded"


def test_recipient_balance_cap(client, app, runtime, awa):
    with transaction(runtime) as session:
        full = factories.customer(session, balance=199_000)
    response = send_p2p(client, app, awa, full.msisdn, 5_000)
    assert response.status_code == 422 and response.get_json()["code"] == "limit_exceeded"


def test_locked_sender_cannot_send(client, app, runtime, awa, bruno):
    with transaction(runtime) as session:
        from app.customers.service import get_customer

        get_customer(session, awa.id).status = "locked"
    response = send_p2p(client, app, awa, bruno.msisdn, 5_000)
    assert response.status_code == 422 and response.get_json()["code"] == "account_locked"


def test_another_customer_cannot_see_or_confirm_my_transfer(client, app, runtime, awa, bruno):
    transfer = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    headers = factories.headers_for(app, bruno)
    assert client.get(f"{API}/transfers/{transfer['id']}", headers=headers).status_code == 404
    attempt = confirm(client, app, bruno, transfer["id"], otp_for(app, awa))
    assert attempt.status_code == 404
    cancel = post(client, app, bruno, f"/transfers/{transfer['id']}/cancel", idempotent=False)
    assert cancel.status_code == 404
    assert wallet_of(runtime, awa) == 100_000 - 5_050


def test_no_token_is_unauthorized(client, bruno):
    response = client.post(
        f"{API}/transfers",
        json={"type": "p2p", "to": bruno.msisdn, "amount": 1},
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"


def test_fees_are_quoted(client):
    response = client.get(f"{API}/fees?type=p2p&amount=5000")
    assert response.get_json() == {"type": "p2p", "amount": 5000, "fee": 50, "total": 5050}
    assert client.get(f"{API}/fees?type=p2p&amount=5001").get_json()["fee"] == 150
    assert client.get(f"{API}/fees?type=cashout&amount=20000").get_json()["fee"] == 300
    assert client.get(f"{API}/fees?type=nope&amount=1").status_code == 400
    assert client.get(f"{API}/fees?type=p2p&amount=-1").status_code == 400
