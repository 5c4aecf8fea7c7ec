"""Posting many entries at once (``ledger.post_entries``): the write path of bulk payouts.

Each draft is decided in list order, as if posted one by one: what an earlier
draft spends counts for a later one, a refused draft writes nothing and gets its
error in its slot, the others still go through. A malformed list raises and
writes nothing.

Every test runs on SQLite and PostgreSQL (the concurrency ones on PostgreSQL
only); all but one commit what they post, so the conftest's invariant checks and the
database's own guards (balance trigger, overdraft CHECK) see it.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app import ledger
from app.clock import clock as app_clock
from app.errors import DomainError, InsufficientFunds
from app.ledger.chart import TRUST_BANK, fees
from app.ledger.errors import (
    AccountNotFound,
    InvalidEntry,
    UnbalancedEntry,
)
from tests.concurrency import RACERS, committed, together
from tests.factories import fund, key, wallet

# -- helpers -------------------------------------------------------------------


def read(runtime, query):
    with runtime.unit_of_work() as uow:
        return query(uow.session)


def transfer(payer, payee, amount, fee=0):
    legs = [ledger.debit(payer, amount + fee), ledger.credit(payee, amount)]
    if fee:
        legs.append(ledger.credit(fees("p2p"), fee))
    return legs


def payout(payer, payee, amount, fee=0, **fields):
    return ledger.Draft(key("bulk"), "payout", transfer(payer, payee, amount, fee), **fields)


def posted(session, code):
    return ledger.balance(session, code).posted


def outcome(result):
    """``"posted"``, ``"replayed"`` or the name of the error that refused the draft."""
    if isinstance(result, ledger.PostedEntry):
        return "replayed" if result.replayed else "posted"
    assert isinstance(result, DomainError), result
    return type(result).__name__


def count_rows(session, model):
    return session.scalar(select(func.count()).select_from(model))


def entries_with_keys(session, keys):
    return dict(
        session.execute(
            select(ledger.Entry.idempotency_key, ledger.Entry.id).where(
                ledger.Entry.idempotency_key.in_(list(keys))
            )
        ).all()
    )


def postings_per_entry(session, entry_ids):
    return dict(
        session.execute(
            select(ledger.Posting.entry_id, func.count())
            .where(ledger.Posting.entry_id.in_(list(entry_ids)))
            .group_by(ledger.Posting.entry_id)
        ).all()
    )


# -- every draft affordable ----------------------------------------------------


def test_an_empty_list_posts_nothing(runtime):
    def post(session):
        before = count_rows(session, ledger.Entry)
        assert ledger.post_entries(session, []) == []
        return before

    before = committed(runtime, post)
    assert read(runtime, lambda s: count_rows(s, ledger.Entry)) == before


def test_every_affordable_draft_gets_its_own_entry_and_a_result_in_list_order(runtime):
    payer, *payees = committed(
        runtime, lambda s: [wallet(s, 10_000), *(wallet(s) for _ in range(3))]
    )
    drafts = [
        payout(payer, payee, amount, reference=f"line-{n}", meta={"line": n})
        for n, (payee, amount) in enumerate(zip(payees, [1_000, 2_000, 3_000], strict=True))
    ]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == ["posted"] * 3
    assert [(r.idempotency_key, r.kind, r.status, r.reference) for r in results] == [
        (d.key, "payout", "posted", d.reference) for d in drafts
    ]
    ids = [r.id for r in results]
    assert ids == sorted(set(ids)), "one new entry per draft, numbered in list order"
    with runtime.unit_of_work() as uow:
        s = uow.session
        assert entries_with_keys(s, [d.key for d in drafts]) == {
            d.key: r.id for d, r in zip(drafts, results, strict=True)
        }
        assert postings_per_entry(s, ids) == dict.fromkeys(ids, 2)
        assert [s.get(ledger.Entry, i).meta for i in ids] == [{"line": n} for n in range(3)]
        assert ledger.balance(s, payer) == ledger.Balance(4_000, 0, 4_000, "XAF")
        assert [posted(s, p) for p in payees] == [1_000, 2_000, 3_000]


def test_the_payers_statement_shows_each_posted_draft_with_its_running_balance(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 10_000), wallet(s)))
    drafts = [
        payout(payer, payee, amount, reference=f"line-{n}", meta={"line": n})
        for n, amount in enumerate([1_000, 2_000, 3_000])
    ]
    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    page = read(runtime, lambda s: ledger.statement(s, payer, limit=10))
    newest_first = [
        (line.entry_id, line.kind, line.reference, line.amount, line.balance_after, line.meta)
        for line in page.items
    ]
    assert newest_first[:3] == [
        (results[2].id, "payout", "line-2", -3_000, 4_000, {"line": 2}),
        (results[1].id, "payout", "line-1", -2_000, 7_000, {"line": 1}),
        (results[0].id, "payout", "line-0", -1_000, 9_000, {"line": 0}),
    ]
    assert [(line.amount, line.balance_after) for line in page.items[3:]] == [(10_000, 10_000)]


# -- refusals in the list ------------------------------------------------------


def test_a_payer_that_affords_the_first_drafts_only_pays_them_and_ends_at_exactly_zero(runtime):
    payer, *payees = committed(
        runtime, lambda s: [wallet(s, 3_000), *(wallet(s) for _ in range(5))]
    )
    drafts = [payout(payer, payee, 1_000) for payee in payees]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == ["posted"] * 3 + ["InsufficientFunds"] * 2
    assert all(r.code == "insufficient_funds" and r.extra["account"] == payer for r in results[3:])
    with runtime.unit_of_work() as uow:
        s = uow.session
        assert ledger.balance(s, payer) == ledger.Balance(0, 0, 0, "XAF")
        assert [posted(s, p) for p in payees] == [1_000, 1_000, 1_000, 0, 0]
        assert entries_with_keys(s, [d.key for d in drafts[3:]]) == {}


def test_a_smaller_draft_after_a_refused_one_still_fits(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 5_000), wallet(s)))
    drafts = [payout(payer, payee, amount) for amount in (3_000, 4_000, 2_000, 1)]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == [
        "posted",
        "InsufficientFunds",
        "posted",
        "InsufficientFunds",
    ]
    assert read(runtime, lambda s: (posted(s, payer), posted(s, payee))) == (0, 5_000)


def test_a_credit_earlier_in_the_list_funds_a_debit_later_in_the_list(runtime):
    awa, bruno, carla = committed(runtime, lambda s: (wallet(s), wallet(s, 5_000), wallet(s)))
    drafts = [
        payout(bruno, awa, 5_000),
        payout(awa, carla, 4_000),
        payout(awa, carla, 1_001),
        payout(awa, carla, 1_000),
    ]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == ["posted", "posted", "InsufficientFunds", "posted"]
    assert read(runtime, lambda s: [posted(s, w) for w in (awa, bruno, carla)]) == [0, 0, 5_000]


def test_a_credit_later_in_the_list_does_not_fund_an_earlier_debit(runtime):
    awa, bruno, carla = committed(runtime, lambda s: (wallet(s), wallet(s, 5_000), wallet(s)))
    drafts = [payout(awa, carla, 1_000), payout(bruno, awa, 5_000)]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == ["InsufficientFunds", "posted"]
    assert read(runtime, lambda s: [posted(s, w) for w in (awa, bruno, carla)]) == [5_000, 0, 0]


def test_funds_reserved_by_a_hold_are_not_available_to_the_list(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 5_000), wallet(s)))
    committed(
        runtime,
        lambda s: ledger.hold_entry(
            s,
            key=key(),
            kind="cashout",
            legs=transfer(payer, payee, 4_000),
            expires_at=app_clock.now() + timedelta(minutes=5),
        ),
    )
    drafts = [payout(payer, payee, 1_000), payout(payer, payee, 1)]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == ["posted", "InsufficientFunds"]
    assert read(runtime, lambda s: ledger.balance(s, payer)) == ledger.Balance(
        4_000, 4_000, 0, "XAF"
    )


def test_a_frozen_recipient_still_receives(runtime):
    payer, frozen = committed(runtime, lambda s: (wallet(s, 5_000), wallet(s)))
    committed(runtime, lambda s: ledger.set_status(s, frozen, "frozen"))

    results = committed(runtime, lambda s: ledger.post_entries(s, [payout(payer, frozen, 2_000)]))

    assert [outcome(r) for r in results] == ["posted"]
    assert read(runtime, lambda s: posted(s, frozen)) == 2_000


def test_a_frozen_payer_is_refused_and_the_other_drafts_go_through(runtime):
    frozen, payer, payee = committed(
        runtime, lambda s: (wallet(s, 5_000), wallet(s, 5_000), wallet(s))
    )
    committed(runtime, lambda s: ledger.set_status(s, frozen, "frozen"))
    drafts = [payout(frozen, payee, 100), payout(payer, payee, 200), payout(payer, frozen, 300)]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == ["AccountFrozen", "posted", "posted"]
    assert results[0].code == "account_frozen"
    assert read(runtime, lambda s: [posted(s, w) for w in (frozen, payer, payee)]) == [
        5_300,
        4_500,
        200,
    ]


def test_a_wallet_frozen_in_the_same_transaction_is_refused(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 5_000), wallet(s)))

    def freeze_then_post(session):
        ledger.set_status(session, payer, "frozen")
        return ledger.post_entries(session, [payout(payer, payee, 100)])

    results = committed(runtime, freeze_then_post)

    assert [outcome(r) for r in results] == ["AccountFrozen"]
    assert read(runtime, lambda s: posted(s, payer)) == 5_000


def test_accounts_loaded_before_the_list_read_current_totals_after_it(session):
    payer, payee = wallet(session, 10_000), wallet(session)
    loaded = [ledger.get_account(session, c) for c in (payer, payee, fees("p2p"))]

    ledger.post_entries(session, [payout(payer, payee, 2_500, fee=40)])

    assert [a.posted_balance for a in loaded] == [7_460, 2_500, 40]


# -- accounts that may overdraw (fees: totals at COMMIT on PostgreSQL) ----------


def test_fee_legs_and_an_overdrawing_fee_account_add_up_in_the_transaction_and_after(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 100_000), wallet(s)))
    drafts = [
        payout(payer, payee, 1_000, fee=50),
        payout(payer, payee, 2_000, fee=100),
        # a refund larger than the fees earned: the fee account goes below zero
        ledger.Draft(key(), "fee_refund", transfer(fees("p2p"), payee, 500)),
        payout(payer, payee, 200_000, fee=25),  # refused: its fee is not earned
    ]

    with runtime.unit_of_work() as uow:
        s = uow.session
        ledger.post_entry(s, key=key(), kind="p2p", legs=transfer(payer, payee, 10, fee=5))
        results = ledger.post_entries(s, drafts)
        assert [outcome(r) for r in results] == ["posted"] * 3 + ["InsufficientFunds"]
        fee_account = ledger.get_account(s, fees("p2p"))
        assert (fee_account.debits_posted, fee_account.credits_posted) == (500, 155)
        assert posted(s, fees("p2p")) == -345
        assert ledger.trial_balance(s)[1] is True
        uow.commit()

    with runtime.unit_of_work() as uow:
        s = uow.session
        assert posted(s, fees("p2p")) == -345
        assert posted(s, payer) == 100_000 - 1_050 - 2_100 - 15
        assert posted(s, payee) == 10 + 1_000 + 2_000 + 500


def test_a_frozen_fee_account_still_receives_but_refuses_to_pay_out(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 10_000), wallet(s)))
    committed(runtime, lambda s: ledger.set_status(s, fees("p2p"), "frozen"))
    drafts = [
        payout(payer, payee, 1_000, fee=50),
        ledger.Draft(key(), "fee_refund", transfer(fees("p2p"), payee, 10)),
    ]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == ["posted", "AccountFrozen"]
    assert read(runtime, lambda s: (posted(s, fees("p2p")), posted(s, payee))) == (50, 1_000)


# -- idempotency ---------------------------------------------------------------


def test_posting_the_same_list_twice_replays_it_and_moves_the_money_once(runtime):
    payer, *payees = committed(
        runtime, lambda s: [wallet(s, 3_000), *(wallet(s) for _ in range(3))]
    )
    drafts = [payout(payer, payee, 1_000, fee=0) for payee in payees]
    first = committed(runtime, lambda s: ledger.post_entries(s, drafts))
    entries = read(runtime, lambda s: count_rows(s, ledger.Entry))

    # the payer is empty now: a retry must still get its entries back, not a refusal
    again = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in again] == ["replayed"] * 3
    assert [r.id for r in again] == [r.id for r in first]
    assert [(r.idempotency_key, r.kind, r.status) for r in again] == [
        (d.key, "payout", "posted") for d in drafts
    ]
    with runtime.unit_of_work() as uow:
        s = uow.session
        assert count_rows(s, ledger.Entry) == entries
        assert posted(s, payer) == 0
        assert [posted(s, p) for p in payees] == [1_000] * 3


def test_a_key_reused_with_other_legs_is_a_conflict_in_its_slot_only(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 10_000), wallet(s)))
    original = payout(payer, payee, 1_000)
    committed(runtime, lambda s: ledger.post_entries(s, [original]))
    reused = ledger.Draft(original.key, "payout", transfer(payer, payee, 1_001))
    other_kind = ledger.Draft(original.key + "-b", "payout", transfer(payer, payee, 1))
    committed(runtime, lambda s: ledger.post_entries(s, [other_kind]))
    drafts = [
        payout(payer, payee, 100),
        reused,
        ledger.Draft(other_kind.key, "refund", other_kind.legs),
        payout(payer, payee, 200),
    ]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert [outcome(r) for r in results] == [
        "posted",
        "IdempotencyConflict",
        "IdempotencyConflict",
        "posted",
    ]
    assert results[1].code == "conflict"
    assert read(runtime, lambda s: posted(s, payee)) == 1_000 + 1 + 100 + 200


def test_a_key_posted_by_post_entry_is_replayed_by_post_entries_whatever_the_leg_order(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 10_000), wallet(s)))
    k = key()
    single = committed(
        runtime,
        lambda s: ledger.post_entry(s, key=k, kind="payout", legs=transfer(payer, payee, 700, 30)),
    )
    legs = list(reversed(transfer(payer, payee, 700, 30)))

    results = committed(
        runtime, lambda s: ledger.post_entries(s, [ledger.Draft(k, "payout", legs)])
    )

    assert [outcome(r) for r in results] == ["replayed"]
    assert results[0].id == single.id
    assert read(runtime, lambda s: (posted(s, payee), posted(s, fees("p2p")))) == (700, 30)


def test_a_key_posted_by_post_entries_is_replayed_by_post_entry(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 10_000), wallet(s)))
    draft = payout(payer, payee, 700)
    [bulk] = committed(runtime, lambda s: ledger.post_entries(s, [draft]))

    again = committed(
        runtime,
        lambda s: ledger.post_entry(s, key=draft.key, kind=draft.kind, legs=list(draft.legs)),
    )

    assert (again.id, again.replayed) == (bulk.id, True)
    assert read(runtime, lambda s: posted(s, payee)) == 700


def test_a_hold_with_the_same_key_and_legs_is_returned_as_it_stands(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 10_000), wallet(s)))
    k = key()
    held = committed(
        runtime,
        lambda s: ledger.hold_entry(
            s,
            key=k,
            kind="payout",
            legs=transfer(payer, payee, 700),
            expires_at=app_clock.now() + timedelta(minutes=5),
        ),
    )

    results = committed(
        runtime,
        lambda s: ledger.post_entries(s, [ledger.Draft(k, "payout", transfer(payer, payee, 700))]),
    )

    assert [(r.id, r.status, r.replayed) for r in results] == [(held.id, "pending", True)]
    assert read(runtime, lambda s: ledger.balance(s, payer)) == ledger.Balance(
        10_000, 700, 9_300, "XAF"
    )


def test_a_refused_key_is_not_burnt_and_posts_once_funds_arrive(runtime):
    payer, payee = committed(runtime, lambda s: (wallet(s, 500), wallet(s)))
    draft = payout(payer, payee, 1_000)
    [refused] = committed(runtime, lambda s: ledger.post_entries(s, [draft]))
    committed(runtime, lambda s: fund(s, payer, 500))

    [accepted] = committed(runtime, lambda s: ledger.post_entries(s, [draft]))

    assert (outcome(refused), outcome(accepted)) == ("InsufficientFunds", "posted")
    assert read(runtime, lambda s: (posted(s, payer), posted(s, payee))) == (0, 1_000)


# -- malformed lists raise and write nothing -----------------------------------


def _eur_account(session):
    return ledger.open_account(session, "wallet:eur-diaspora", "liability", "EUR").code


MALFORMED = {
    "one leg": (
        InvalidEntry,
        lambda s, a, b: [ledger.Draft(key(), "payout", [ledger.debit(a, 5)])],
    ),
    "zero amount": (InvalidEntry, lambda s, a, b: [ledger.Draft(key(), "p", transfer(a, b, 0))]),
    "float amount": (InvalidEntry, lambda s, a, b: [ledger.Draft(key(), "p", transfer(a, b, 5.0))]),
    "unknown side": (
        InvalidEntry,
        lambda s, a, b: [ledger.Draft(key(), "p", [ledger.Leg(a, "up", 5), ledger.credit(b, 5)])],
    ),
    "empty key": (InvalidEntry, lambda s, a, b: [ledger.Draft("", "payout", transfer(a, b, 5))]),
    "empty kind": (InvalidEntry, lambda s, a, b: [ledger.Draft(key(), "", transfer(a, b, 5))]),
    "long reference": (
        InvalidEntry,
        lambda s, a, b: [ledger.Draft(key(), "payout", transfer(a, b, 5), reference="r" * 65)],
    ),
    "one key twice": (
        InvalidEntry,
        lambda s, a, b: [ledger.Draft("twice", "payout", transfer(a, b, n)) for n in (5, 6)],
    ),
    "unbalanced": (
        UnbalancedEntry,
        lambda s, a, b: [
            ledger.Draft(key(), "payout", [ledger.debit(a, 50), ledger.credit(b, 49)])
        ],
    ),
    "unbalanced per currency": (
        UnbalancedEntry,
        lambda s, a, b: [ledger.Draft(key(), "fx", transfer(a, _eur_account(s), 5))],
    ),
    "unknown account": (
        AccountNotFound,
        lambda s, a, b: [ledger.Draft(key(), "payout", transfer(a, "wallet:nobody", 5))],
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_draft_anywhere_in_the_list_raises_and_writes_nothing(runtime, case):
    error, malformed = MALFORMED[case]
    payer, payee = committed(runtime, lambda s: (wallet(s, 10_000), wallet(s)))

    def post(session):
        entries, postings = count_rows(session, ledger.Entry), count_rows(session, ledger.Posting)
        good = [payout(payer, payee, 100), payout(payer, payee, 200, fee=10)]
        drafts = [good[0], *malformed(session, payer, payee), good[1]]
        with pytest.raises(error):
            ledger.post_entries(session, drafts)
        assert (count_rows(session, ledger.Entry), count_rows(session, ledger.Posting)) == (
            entries,
            postings,
        )
        return entries, postings

    # committed all the same: the refusal must have left nothing behind to commit
    before = committed(runtime, post)
    with runtime.unit_of_work() as uow:
        s = uow.session
        assert (count_rows(s, ledger.Entry), count_rows(s, ledger.Posting)) == before
        assert [posted(s, c) for c in (payer, payee, fees("p2p"))] == [10_000, 0, 0]


# -- lists longer than one lookup chunk (900 codes or keys) --------------------


def test_a_thousand_drafts_to_a_thousand_wallets_post_and_replay(runtime):
    size = 1_000
    payer = committed(runtime, lambda s: wallet(s, size * 10))
    payees = committed(runtime, lambda s: [wallet(s) for _ in range(size)])
    drafts = [payout(payer, payee, 10) for payee in payees]

    results = committed(runtime, lambda s: ledger.post_entries(s, drafts))
    again = committed(runtime, lambda s: ledger.post_entries(s, drafts))

    assert Counter(outcome(r) for r in results) == {"posted": size}
    assert len({r.id for r in results}) == size
    assert [r.id for r in again] == [r.id for r in results]
    assert Counter(outcome(r) for r in again) == {"replayed": size}
    with runtime.unit_of_work() as uow:
        s = uow.session
        assert posted(s, payer) == 0
        paid = s.scalars(
            select(ledger.Account.credits_posted).where(ledger.Account.code.in_(payees))
        ).all()
        assert paid == [10] * size
        assert len(entries_with_keys(s, [d.key for d in drafts])) == size


def test_a_thousand_drafts_crediting_accounts_that_may_overdraw_post(runtime):
    size = 1_000
    prefix = f"fees:bulk-{uuid.uuid4().hex[:8]}"
    codes = [f"{prefix}-{n}" for n in range(size)]
    payer = committed(runtime, lambda s: wallet(s, size * 7))
    committed(runtime, lambda s: [ledger.open_account(s, code, "income") for code in codes])
    drafts = [ledger.Draft(key(), "commission", transfer(payer, code, 7)) for code in codes]

    def totals(session):
        return session.scalars(
            select(ledger.Account.credits_posted).where(ledger.Account.code.in_(codes))
        ).all()

    with runtime.unit_of_work() as uow:
        results = ledger.post_entries(uow.session, drafts)
        assert totals(uow.session) == [7] * size
        uow.commit()

    assert Counter(outcome(r) for r in results) == {"posted": size}
    assert read(runtime, totals) == [7] * size
    assert read(runtime, lambda s: posted(s, payer)) == 0


# -- the same as posting one by one ---------------------------------------------

WALLETS = 4
transfers = st.lists(
    st.tuples(
        st.integers(0, WALLETS - 1),  # payer
        st.integers(0, WALLETS - 1),  # payee (may be the payer)
        st.integers(1, 4_000),  # amount
        st.sampled_from([0, 0, 25]),  # fee
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    starting=st.lists(st.integers(0, 5_000), min_size=WALLETS, max_size=WALLETS),
    frozen=st.lists(st.booleans(), min_size=WALLETS, max_size=WALLETS),
    steps=transfers,
)
def test_a_list_has_the_outcomes_and_balances_of_its_drafts_posted_one_by_one(
    runtime, starting, frozen, steps
):
    # Two disjoint sets of wallets, opened in the same order with the same money:
    # one gets the drafts one by one, the other all at once.
    prefix = uuid.uuid4().hex[:10]

    def open_set(session, name):
        fee_code = ledger.open_account(session, f"fees:{prefix}-{name}", "income").code
        codes = [
            wallet(session, amount, name=f"{prefix}-{name}-{i}")
            for i, amount in enumerate(starting)
        ]
        for code, is_frozen in zip(codes, frozen, strict=True):
            if is_frozen:
                ledger.set_status(session, code, "frozen")
        return codes, fee_code

    (single, single_fee), (bulk, bulk_fee) = committed(
        runtime, lambda s: (open_set(s, "single"), open_set(s, "bulk"))
    )

    def drafts_for(codes, fee_code):
        drafts = []
        for payer, payee, amount, fee in steps:
            legs = [ledger.debit(codes[payer], amount + fee), ledger.credit(codes[payee], amount)]
            if fee:
                legs.append(ledger.credit(fee_code, fee))
            drafts.append(ledger.Draft(key(), "p2p", legs))
        return drafts

    def one_by_one(session):
        results = []
        for d in drafts_for(single, single_fee):
            try:
                results.append(ledger.post_entry(session, key=d.key, kind=d.kind, legs=d.legs))
            except DomainError as exc:
                results.append(exc)
        return results

    expected = committed(runtime, one_by_one)
    results = committed(runtime, lambda s: ledger.post_entries(s, drafts_for(bulk, bulk_fee)))

    def refused_account(result, codes):
        return (
            codes.index(result.extra["account"]) if isinstance(result, InsufficientFunds) else None
        )

    assert [(outcome(r), refused_account(r, bulk)) for r in results] == [
        (outcome(r), refused_account(r, single)) for r in expected
    ]
    with runtime.unit_of_work() as uow:
        s = uow.session
        assert [ledger.balance(s, c) for c in [*bulk, bulk_fee]] == [
            ledger.balance(s, c) for c in [*single, single_fee]
        ]


# -- concurrency (PostgreSQL: real row locks, real threads) --------------------


@pytest.mark.postgres_only
def test_lists_racing_on_one_payer_never_pay_more_than_it_holds(runtime):
    # 50 threads, 2 lists each, 4 lines of 500: 200 000 asked of a payer holding 30 000
    threads, calls, lines, amount, funds = RACERS, 2, 4, 500, 30_000
    payer = committed(runtime, lambda s: wallet(s, funds))
    payees = committed(runtime, lambda s: [wallet(s) for _ in range(threads * lines)])

    def pay(i):
        mine = payees[i * lines : (i + 1) * lines]
        results = []
        for _ in range(calls):
            drafts = [payout(payer, payee, amount) for payee in mine]
            results += committed(runtime, lambda s, drafts=drafts: ledger.post_entries(s, drafts))
        return results

    outcomes = together(threads, pay)

    assert all(isinstance(o, list) for o in outcomes), outcomes
    kinds = Counter(outcome(r) for results in outcomes for r in results)
    paid = funds // amount
    assert kinds == {"posted": paid, "InsufficientFunds": threads * calls * lines - paid}
    with runtime.unit_of_work() as uow:
        s = uow.session
        assert ledger.balance(s, payer) == ledger.Balance(0, 0, 0, "XAF")
        assert sum(posted(s, p) for p in payees) == funds


@pytest.mark.postgres_only
def test_one_list_posted_by_several_threads_at_once_makes_one_entry_per_key(runtime):
    # Only accounts that may overdraw: no row lock queues the threads, they meet
    # on the idempotency keys themselves.
    codes = [fees(kind) for kind in ("p2p", "bill", "fx", "remit")]
    drafts = [
        ledger.Draft(key(), "fee_adjustment", [ledger.debit(TRUST_BANK, 3), ledger.credit(c, 3)])
        for c in codes
        for _ in range(10)
    ]

    outcomes = together(
        RACERS, lambda _: committed(runtime, lambda s: ledger.post_entries(s, drafts))
    )

    assert all(isinstance(o, list) for o in outcomes), outcomes
    for slot in zip(*outcomes, strict=True):
        assert len({r.id for r in slot}) == 1
        assert sorted(outcome(r) for r in slot) == ["posted"] + ["replayed"] * (RACERS - 1)
    with runtime.unit_of_work() as uow:
        s = uow.session
        assert len(entries_with_keys(s, [d.key for d in drafts])) == len(drafts)
        assert [posted(s, c) for c in codes] == [3 * 10] * len(codes)


@pytest.mark.postgres_only
def test_single_and_bulk_writers_moving_money_both_ways_never_deadlock(runtime):
    rounds, fee, start = 2, 5, 1_000_000  # RACERS threads: half single, half bulk
    a, b = committed(runtime, lambda s: (wallet(s, start), wallet(s, start)))
    others = committed(runtime, lambda s: [wallet(s, start) for _ in range(20)])

    def single(n):
        # a → b, then every other wallet → a, one entry per transaction
        committed(
            runtime,
            lambda s: ledger.post_entry(
                s, key=key(), kind="p2p", legs=transfer(a, b, 100 + n, fee)
            ),
        )
        for other in others[:3]:
            committed(
                runtime,
                lambda s, other=other: ledger.post_entry(
                    s, key=key(), kind="p2p", legs=transfer(other, a, 10, fee)
                ),
            )

    def bulk(n):
        # b → a and a → every other wallet, all in one list (more codes than one lock query's
        # scalar form: the array form of the lock)
        drafts = [payout(b, a, 100 + n, fee), *(payout(a, o, 10, fee) for o in others)]
        results = committed(runtime, lambda s: ledger.post_entries(s, drafts))
        assert all(outcome(r) == "posted" for r in results), results

    def work(i):
        for n in range(rounds):
            (single if i % 2 == 0 else bulk)(n)
        return "done"

    outcomes = together(RACERS, work)

    assert outcomes == ["done"] * RACERS
    with runtime.unit_of_work() as uow:
        s = uow.session
        entries_per_round = RACERS // 2 * (1 + 3) + RACERS // 2 * (1 + len(others))
        fees_earned = posted(s, fees("p2p"))
        assert fees_earned == rounds * entries_per_round * fee
        wallets = sum(posted(s, w) for w in (a, b, *others))
        assert wallets + fees_earned == start * (2 + len(others))
        assert ledger.trial_balance(s)[1] is True


@pytest.mark.postgres_only
def test_lists_of_the_same_keys_in_other_orders_never_deadlock(runtime):
    # No account row lock lines these up (only accounts that may overdraw): the
    # transactions meet on the idempotency keys' index alone, in whatever order
    # their lists come. Before the keys were written sorted, this deadlocked a
    # few times in 120 attempts.
    codes = [fees(kind) for kind in ("p2p", "bill", "fx", "remit", "merchant", "cashout")]
    rounds, threads = 3, RACERS
    for round_ in range(rounds):
        drafts = [
            ledger.Draft(
                key(), "fee_adjustment", [ledger.debit(TRUST_BANK, 1), ledger.credit(c, 1)]
            )
            for c in codes
            for _ in range(20)
        ]

        def work(i, drafts=drafts, round_=round_):
            mine = list(drafts)
            random.Random(round_ * 100 + i).shuffle(mine)
            return committed(runtime, lambda s: ledger.post_entries(s, mine))

        outcomes = together(threads, work)

        errors = [o for o in outcomes if isinstance(o, Exception)]
        assert not errors, errors[0]
    with runtime.unit_of_work() as uow:
        assert [posted(uow.session, c) for c in codes] == [rounds * 20] * len(codes)


def test_a_draft_refused_for_two_reasons_gets_the_error_post_entry_would_give(runtime):
    # Overdraws a wallet and debits a frozen fee account: the locked wallet's
    # shortfall is reported first, as by post_entry.
    payer, payee = committed(runtime, lambda s: (wallet(s, 10), wallet(s)))
    committed(runtime, lambda s: ledger.set_status(s, fees("p2p"), "frozen"))
    legs = [ledger.debit(payer, 100), ledger.debit(fees("p2p"), 5), ledger.credit(payee, 105)]

    with runtime.unit_of_work() as uow:
        with pytest.raises(InsufficientFunds):
            ledger.post_entry(uow.session, key=key(), kind="p2p", legs=legs)
        [result] = ledger.post_entries(uow.session, [ledger.Draft(key(), "p2p", legs)])

    assert isinstance(result, InsufficientFunds)
