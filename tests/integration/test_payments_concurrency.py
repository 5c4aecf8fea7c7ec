"""Racing requests on PostgreSQL settle a payment exactly once.

Each thread is its own request: its own app context and unit of work. A barrier
lines them up so they really race for the same rows.
"""

import pytest

from app.agents import cash
from app.db import transaction
from app.transfers import p2p, withdrawals
from tests import factories
from tests.concurrency import RACERS, race
from tests.e2e.payments_support import float_of, otp_for, wallet_of

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def pair(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, balance=100_000), factories.customer(session)


def pending_p2p(runtime, sender, recipient, amount=5_000):
    with transaction(runtime) as session:
        return p2p.create_p2p(session, sender, to=recipient.msisdn, amount=amount).id


def test_racing_confirmations_complete_the_transfer_once(app, runtime, pair):
    awa, bruno = pair
    transfer_id = pending_p2p(runtime, awa, bruno)
    otp = otp_for(app, awa)
    outcomes = race(
        app, runtime, RACERS, lambda s, i: p2p.confirm_transfer(s, transfer_id, awa.id, otp).status
    )
    assert outcomes == ["completed"] * RACERS
    assert wallet_of(runtime, bruno) == 5_000
    assert wallet_of(runtime, awa) == 100_000 - 5_050


def test_confirm_racing_cancel_settles_one_way(app, runtime, pair):
    awa, bruno = pair
    for _ in range(3):
        transfer_id = pending_p2p(runtime, awa, bruno, 1_000)
        otp = otp_for(app, awa)

        def work(session, i, transfer_id=transfer_id, otp=otp):
            if i % 2 == 0:
                return p2p.confirm_transfer(session, transfer_id, awa.id, otp).status
            return p2p.cancel_transfer(session, transfer_id, awa.id).status

        outcomes = race(app, runtime, RACERS, work)
        confirms, cancels = set(map(str, outcomes[0::2])), set(map(str, outcomes[1::2]))
        # A repeated confirm answers "completed", a repeated cancel "cancelled": each
        # racer sees the one way the transfer went.
        assert (confirms, cancels) in (
            ({"invalid_state"}, {"cancelled"}),  # a cancel won; the confirms found it cancelled
            ({"completed"}, {"invalid_state"}),  # a confirm won; the cancels found it completed
        ), outcomes
    sent = 100_000 - wallet_of(runtime, awa)
    assert sent == wallet_of(runtime, bruno) + (wallet_of(runtime, bruno) // 1_000) * 50


def test_concurrent_cash_outs_of_one_code_pay_once(app, runtime, pair):
    awa, _ = pair
    with transaction(runtime) as session:
        counters = [factories.agent(session, float_balance=0) for _ in range(5)]
    with transaction(runtime) as session:
        code = withdrawals.create_withdrawal(session, awa, amount=20_000).code

    outcomes = race(
        app,
        runtime,
        RACERS,  # five counters, each pressing many times
        lambda s, i: (
            cash.cash_out(s, s.merge(counters[i % 5]), msisdn=awa.msisdn, code=code).status
        ),
    )
    assert outcomes.count("completed") == 1, outcomes
    assert outcomes.count("otp_expired") == RACERS - 1, outcomes
    assert wallet_of(runtime, awa) == 100_000 - 20_300
    assert sum(float_of(runtime, c) for c in counters) == 20_000 + 120


def test_parallel_transfers_never_overspend(app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=10_500)
        others = [factories.customer(session) for _ in range(RACERS)]
    outcomes = race(
        app,
        runtime,
        RACERS,
        lambda s, i: (
            p2p.send_with_pin(
                s, s.merge(awa), to=others[i].msisdn, amount=5_000, pin=factories.PIN
            ).status
        ),
    )
    assert outcomes.count("completed") == 2, outcomes
    assert outcomes.count("insufficient_funds") == RACERS - 2, outcomes
    assert wallet_of(runtime, awa) == 10_500 - 2 * 5_050
