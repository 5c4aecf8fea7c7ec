"""Unpaid remittances expire after REMITTANCE_TTL_DAYS and are refunded by the sweep.

The sweep is the rq job ``workers.remittances.expire_due``; here it is called as
the worker would call it, with the frozen clock moved past the deadline.
"""

import pytest
from sqlalchemy import select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.remittances.models import Remittance
from tests import factories
from workers.remittances import expire_due

API = "/api/v1"
JEAN = "+242069990001"
MARIE = "+242055550001"


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=100_000)


def balance(runtime, code):
    with transaction(runtime) as session:
        return ledger.balance(session, code).posted


def wallet_remittance(client, app, awa):
    sent = client.post(
        f"{API}/remittances",
        json={"recipient": {"name": "Jean Okemba", "msisdn": JEAN}, "amount": 20_000},
        headers={**factories.headers_for(app, awa), "Idempotency-Key": factories.key()},
    ).get_json()
    client.post(
        f"{API}/remittances/{sent['id']}/confirm",
        json={"otp": factories.sms_code(app, awa.msisdn, digits=6)},
        headers=factories.headers_for(app, awa),
    )
    return sent["id"]


def cash_remittance(client, app, counter):
    return client.post(
        f"{API}/agent/remittances",
        json={
            "sender": {"name": "Marie Nkounkou", "msisdn": MARIE},
            "recipient": {"name": "Jean Okemba", "msisdn": JEAN},
            "amount": 20_000,
        },
        headers={**factories.headers_for(app, counter), "Idempotency-Key": factories.key()},
    ).get_json()["id"]


def pay_out(client, app, agent, code):
    return client.post(
        f"{API}/agent/remittances/payout",
        json={"code": code, "recipient_id_type": "passport", "recipient_id_number": "OA1234567"},
        headers={**factories.headers_for(app, agent), "Idempotency-Key": factories.key()},
    )


def status(runtime, remittance_id):
    with transaction(runtime) as session:
        return session.get(Remittance, remittance_id).status


def test_nothing_expires_before_thirty_days(client, app, runtime, clock, awa):
    remittance_id = wallet_remittance(client, app, awa)
    clock.advance(days=29, hours=23)

    assert expire_due() == 0
    assert status(runtime, remittance_id) == "awaiting_payout"


def test_after_thirty_days_the_amount_goes_back_to_the_senders_wallet(
    client, app, runtime, clock, awa
):
    remittance_id = wallet_remittance(client, app, awa)
    clock.advance(days=31)

    assert expire_due() == 1

    assert status(runtime, remittance_id) == "expired"
    assert balance(runtime, chart.wallet(awa.id)) == 100_000 - 500  # the fee is kept
    assert balance(runtime, chart.REMIT_PAYABLE) == 0


def test_the_sender_is_told_of_the_refund(client, app, runtime, clock, awa):
    from app.notify.gateways import recording_outbox

    wallet_remittance(client, app, awa)
    clock.advance(days=31)
    expire_due()

    last = [text for to, text in recording_outbox(runtime) if to == awa.msisdn][-1]
    assert "20 000 FCFA" in last
    assert "remboursé" in last


def test_running_the_sweep_twice_refunds_once(client, app, runtime, clock, awa):
    wallet_remittance(client, app, awa)
    clock.advance(days=31)

    assert expire_due() == 1
    assert expire_due() == 0
    assert balance(runtime, chart.wallet(awa.id)) == 100_000 - 500


def test_an_expired_code_pays_nothing_even_before_the_sweep(
    client, app, runtime, clock, awa, counter
):
    remittance_id = wallet_remittance(client, app, awa)
    clock.advance(days=31)

    response = pay_out(client, app, counter, factories.sms_code(app, JEAN))

    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_state"
    assert status(runtime, remittance_id) == "expired"
    assert balance(runtime, chart.wallet(awa.id)) == 100_000 - 500


def test_a_paid_remittance_is_left_alone_by_the_sweep(client, app, runtime, clock, awa, counter):
    remittance_id = wallet_remittance(client, app, awa)
    pay_out(client, app, counter, factories.sms_code(app, JEAN))
    clock.advance(days=31)

    assert expire_due() == 0
    assert status(runtime, remittance_id) == "paid_out"


def test_an_uncollected_cash_send_is_returned_to_the_sender_with_a_new_code(
    client, app, runtime, clock, counter
):
    original = cash_remittance(client, app, counter)
    clock.advance(days=31)

    expire_due()

    assert status(runtime, original) == "expired"
    with transaction(runtime) as session:
        returned = session.scalars(
            select(Remittance).where(Remittance.returned_from_id == original)
        ).one()
        assert (returned.source, returned.status, returned.amount) == (
            "return",
            "awaiting_payout",
            20_000,
        )
        assert returned.recipient_msisdn == MARIE
        assert returned.expires_at is None
    assert balance(runtime, chart.REMIT_PAYABLE) == 20_000


def test_the_cash_sender_collects_the_returned_money_at_any_counter(
    client, app, runtime, clock, counter
):
    cash_remittance(client, app, counter)
    clock.advance(days=31)
    expire_due()
    old_code = factories.sms_code(app, JEAN)

    assert pay_out(client, app, counter, old_code).get_json()["code"] == "invalid_state"
    response = pay_out(client, app, counter, factories.sms_code(app, MARIE))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "paid_out"
    assert balance(runtime, chart.REMIT_PAYABLE) == 0


def test_a_returned_remittance_never_expires(client, app, runtime, clock, counter):
    cash_remittance(client, app, counter)
    clock.advance(days=31)
    expire_due()
    clock.advance(days=400)

    assert expire_due() == 0
    assert balance(runtime, chart.REMIT_PAYABLE) == 20_000


class TestShorterLife:
    @pytest.fixture
    def config_overrides(self):
        return {"REMITTANCE_TTL_DAYS": 7}

    def test_the_life_of_a_remittance_is_configured(self, client, app, runtime, clock, awa):
        remittance_id = wallet_remittance(client, app, awa)
        clock.advance(days=7, seconds=1)

        expire_due()

        assert status(runtime, remittance_id) == "expired"


def test_the_worker_runs_the_expiry_sweep_every_minute():
    from workers.schedule import SWEEPS

    assert SWEEPS["remittances-expire"] == ("workers.remittances.expire_due", 60)
