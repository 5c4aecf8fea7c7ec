"""A refund racing credits on PostgreSQL cannot together take a wallet above its cap.

Awa (basic tier, cap 200 000) sent a 100 000 remittance and has room for exactly
100 000 more. She cancels it while counters credit her 100 000 in cash: each
checks her room under her customer row lock, so one of them gets the room. Either
the refund goes into the wallet and every cash-in is refused, or one cash-in goes
through and the refund becomes a cash pickup. Never 300 000.
"""

import pytest
from sqlalchemy import select

from app import ledger
from app.agents.cash import cash_in
from app.agents.staff import get_agent
from app.customers.service import get_customer
from app.errors import LimitExceeded
from app.ledger import chart
from app.remittances import wallet
from app.remittances.models import Remittance
from tests import factories
from tests.concurrency import RACERS, committed, together

pytestmark = pytest.mark.postgres_only

CAP = 200_000


def test_a_cancel_racing_cash_ins_never_takes_the_wallet_above_its_cap(runtime):
    awa = committed(runtime, lambda s: factories.customer(s, balance=150_000))
    counter = committed(runtime, lambda s: factories.agent(s, float_balance=500_000))
    sent_id = committed(
        runtime,
        lambda s: (
            wallet.send_with_pin(
                s,
                get_customer(s, awa.id),
                recipient_name="Jean Okemba",
                recipient_msisdn="+242069990001",
                amount=100_000,
                pin=factories.PIN,
            ).id
        ),
    )

    def top_up(s):
        posted = ledger.balance(s, chart.wallet(awa.id)).posted
        cash_in(s, get_agent(s, counter.id), msisdn=awa.msisdn, amount=CAP - 100_000 - posted)

    committed(runtime, top_up)

    # A cash-in locks its counter's till first: one counter per racer, so they race
    # for Awa's row rather than queue at one till.
    tellers = committed(
        runtime, lambda s: [factories.agent(s, float_balance=100_000) for _ in range(RACERS - 1)]
    )

    def work(i):
        if i == 0:
            return committed(
                runtime, lambda s: wallet.cancel_remittance(s, sent_id, awa.id).meta["refund"]
            )
        return committed(
            runtime,
            lambda s: (
                cash_in(s, get_agent(s, tellers[i - 1].id), msisdn=awa.msisdn, amount=100_000).id
            ),
        )

    refund, *cashed = together(RACERS, work)

    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, chart.wallet(awa.id)).posted == CAP
        returns = uow.session.scalars(
            select(Remittance.amount).where(Remittance.returned_from_id == sent_id)
        ).all()
    refused = sum(isinstance(c, LimitExceeded) for c in cashed)
    if refused == RACERS - 1:
        assert refund["method"] == "wallet" and returns == []
    else:
        assert refused == RACERS - 2, cashed  # one cash-in took the room, the others not
        assert refund["method"] == "cash_pickup" and returns == [100_000]
