"""Concurrency on real PostgreSQL: real threads, each with its own unit of work.

A ``threading.Barrier`` releases the threads together so their transactions
overlap; nothing sleeps. What must hold: no double spend, no double post, no
deadlock, money conserved.
"""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import ledger
from app.clock import clock as app_clock
from app.errors import InsufficientFunds
from app.ledger.chart import fees
from app.ledger.errors import EntryNotPending
from tests.concurrency import RACERS, committed, together
from tests.factories import key, wallet

pytestmark = pytest.mark.postgres_only


def transfer(a, b, amount, fee=0):
    legs = [ledger.debit(a, amount + fee), ledger.credit(b, amount)]
    if fee:
        legs.append(ledger.credit(fees("p2p"), fee))
    return legs


def test_fifty_spenders_of_a_wallet_that_affords_ten_leave_it_at_exactly_zero(runtime):
    payer = committed(runtime, lambda s: wallet(s, 10 * 1_000))
    payees = committed(runtime, lambda s: [wallet(s) for _ in range(RACERS)])

    def spend(i):
        return committed(
            runtime,
            lambda s: ledger.post_entry(
                s, key=key(), kind="p2p", legs=transfer(payer, payees[i], 1_000)
            ),
        )

    outcomes = together(RACERS, spend)
    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"PostedEntry": 10, "InsufficientFunds": RACERS - 10}
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, payer) == ledger.Balance(0, 0, 0, "XAF")
        assert sum(ledger.balance(uow.session, p).posted for p in payees) == 10_000
        assert ledger.trial_balance(uow.session)[1] is True


def test_one_key_posted_by_racing_threads_makes_one_entry(runtime):
    awa, bruno = committed(runtime, lambda s: (wallet(s, 100_000), wallet(s)))
    k = key()

    def post(_):
        return committed(
            runtime,
            lambda s: ledger.post_entry(s, key=k, kind="p2p", legs=transfer(awa, bruno, 4_000)),
        )

    outcomes = together(RACERS, post)
    assert len({o.id for o in outcomes}) == 1, outcomes
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * (RACERS - 1)
    with runtime.unit_of_work() as uow:
        count = uow.session.scalar(select(func.count()).where(ledger.Entry.idempotency_key == k))
        assert count == 1
        assert ledger.balance(uow.session, bruno).posted == 4_000


def test_retries_racing_the_first_post_of_an_entry_that_empties_the_wallet_all_see_it(runtime):
    # The payer can afford the entry once: the retries that lock the wallet after
    # it is spent must still get the first entry back, not insufficient funds.
    awa, bruno = committed(runtime, lambda s: (wallet(s, 4_000), wallet(s)))
    k = key()

    def post(_):
        return committed(
            runtime,
            lambda s: ledger.post_entry(s, key=k, kind="p2p", legs=transfer(awa, bruno, 4_000)),
        )

    outcomes = together(RACERS, post)
    assert len({o.id for o in outcomes}) == 1, outcomes
    assert [o.replayed for o in outcomes].count(False) == 1
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, awa).posted == 0


def test_money_flowing_both_ways_between_two_wallets_never_deadlocks(runtime):
    a, b = committed(runtime, lambda s: (wallet(s, 1_000_000), wallet(s, 1_000_000)))
    rounds, fee = 4, 10  # RACERS threads: as many entries as 8 threads of 25 rounds

    def both_ways(i):
        payer, payee = (a, b) if i % 2 == 0 else (b, a)
        for n in range(rounds):
            if i % 4 < 2:
                committed(
                    runtime,
                    lambda s, n=n: ledger.post_entry(
                        s, key=key(), kind="p2p", legs=transfer(payer, payee, 100 + n, fee)
                    ),
                )
            else:  # a hold confirmed in a second unit of work, as an OTP flow does
                held = committed(
                    runtime,
                    lambda s, n=n: ledger.hold_entry(
                        s,
                        key=key(),
                        kind="p2p",
                        legs=transfer(payer, payee, 100 + n, fee),
                        expires_at=app_clock.now() + timedelta(minutes=5),
                    ),
                )
                committed(runtime, lambda s, held=held: ledger.post_pending(s, held.id))
        return "done"

    outcomes = together(RACERS, both_ways)
    assert outcomes == ["done"] * RACERS
    with runtime.unit_of_work() as uow:
        total = sum(ledger.balance(uow.session, w).posted for w in (a, b))
        fees_earned = ledger.balance(uow.session, fees("p2p")).posted
        assert fees_earned == RACERS * rounds * fee
        assert total + fees_earned == 2_000_000
        assert ledger.trial_balance(uow.session)[1] is True


def test_posting_and_voiding_one_hold_at_once_lets_exactly_one_win(runtime):
    # Half the racers post each hold, half void it: one of them settles it, every
    # other one finds it no longer pending.
    awa, bruno = committed(runtime, lambda s: (wallet(s, 100_000), wallet(s)))
    holds = committed(
        runtime,
        lambda s: [
            ledger.hold_entry(
                s,
                key=key(),
                kind="p2p",
                legs=transfer(awa, bruno, 1_000 + n),
                expires_at=app_clock.now() + timedelta(minutes=5),
            )
            for n in range(4)
        ],
    )
    posted_amount = 0
    for n, held in enumerate(holds):

        def settle(i, held=held):
            if i % 2 == 0:
                return committed(runtime, lambda s: ledger.post_pending(s, held.id))
            return committed(runtime, lambda s: ledger.void_pending(s, held.id, "cancelled"))

        outcomes = together(RACERS, settle)
        winners = [o for o in outcomes if isinstance(o, ledger.PostedEntry)]
        losers = [o for o in outcomes if isinstance(o, EntryNotPending)]
        assert (len(winners), len(losers)) == (1, RACERS - 1), outcomes
        if winners[0].status == "posted":
            posted_amount += 1_000 + n
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, bruno).posted == posted_amount
        assert ledger.balance(uow.session, awa) == ledger.Balance(
            100_000 - posted_amount, 0, 100_000 - posted_amount, "XAF"
        )


def test_insufficient_funds_under_contention_is_the_only_refusal(runtime):
    # Many payers, one payee and the fee account: the hot rows every entry writes.
    payers = committed(runtime, lambda s: [wallet(s, 400) for _ in range(RACERS)])
    payee = committed(runtime, lambda s: wallet(s))

    def pay_twice(i):
        results = []
        for _ in range(2):
            try:
                committed(
                    runtime,
                    lambda s: ledger.post_entry(
                        s, key=key(), kind="p2p", legs=transfer(payers[i], payee, 200, 50)
                    ),
                )
                results.append("ok")
            except InsufficientFunds:
                results.append("refused")
        return results

    outcomes = together(RACERS, pay_twice)
    assert outcomes == [["ok", "refused"]] * RACERS
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, payee).posted == RACERS * 200
        assert ledger.balance(uow.session, fees("p2p")).posted == RACERS * 50
