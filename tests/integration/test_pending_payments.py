"""A USSD gateway that retries a step while its first try still runs: both tries carry the
step's key, the first pays, and the retry answers with that payment instead of an error
(``app/transfers/pending.pay_with_pin``, PostgreSQL)."""

import pytest
from sqlalchemy import func, select

from app import ledger
from app.customers.service import get_customer
from app.ledger import chart
from app.transfers import p2p
from app.transfers.models import Transfer
from tests import factories
from tests.concurrency import RACERS, committed, meet_before_locking_a_pair, together

pytestmark = pytest.mark.postgres_only


def test_a_retried_ussd_send_racing_its_first_try_answers_with_the_one_payment(
    runtime, monkeypatch
):
    awa, bruno = committed(
        runtime,
        lambda s: (
            factories.customer(s, balance=20_000),
            factories.customer(s, first_name="Bruno"),
        ),
    )
    meet_before_locking_a_pair(monkeypatch, RACERS)  # every try looked for the step's key

    def send(i):
        def write(s):
            transfer = p2p.send_with_pin(
                s,
                get_customer(s, awa.id),
                to=bruno.msisdn,
                amount=5_000,
                pin=factories.PIN,
                client_key="ussd-session-9:4",
            )
            return transfer.id, transfer.status

        return committed(runtime, write)

    outcomes = together(RACERS, send)  # the first try and the gateway's retries

    assert outcomes == [outcomes[0]] * RACERS, outcomes
    assert outcomes[0][1] == "completed"
    with runtime.unit_of_work() as uow:
        count = uow.session.scalar(
            select(func.count()).select_from(Transfer).where(Transfer.initiator_id == awa.id)
        )
        paid = ledger.balance(uow.session, chart.wallet(bruno.id)).posted
    assert count == 1
    assert paid == 5_000
