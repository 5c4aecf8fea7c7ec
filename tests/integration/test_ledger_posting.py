"""Posting an entry: idempotency, refusals that write nothing, and invalid legs.

Every test runs on SQLite and PostgreSQL; after each one the conftest checks
every ledger invariant.
"""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import ledger
from app.errors import AccountFrozen, InsufficientFunds
from app.ledger.chart import COMMISSION_AGENTS, TRUST_BANK, fees
from app.ledger.errors import (
    AccountNotFound,
    IdempotencyConflict,
    InvalidEntry,
    UnbalancedEntry,
)
from app.ledger.refs import cached_codes
from tests.factories import fund, key, wallet


def entries_with_key(session, idempotency_key):
    return session.scalar(
        select(func.count())
        .select_from(ledger.Entry)
        .where(ledger.Entry.idempotency_key == idempotency_key)
    )


def transfer(a, b, amount):
    return [ledger.debit(a, amount), ledger.credit(b, amount)]


def test_the_same_key_with_the_same_legs_returns_the_first_entry(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    k = key()
    first = ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 4_000))
    again = ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 4_000))
    assert again.id == first.id
    assert (first.replayed, again.replayed) == (False, True)
    assert ledger.balance(session, awa).posted == 6_000
    assert entries_with_key(session, k) == 1


def test_the_order_of_the_legs_does_not_make_another_entry(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    k = key()
    first = ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 4_000))
    again = ledger.post_entry(
        session, key=k, kind="p2p", legs=list(reversed(transfer(awa, bruno, 4_000)))
    )
    assert again.id == first.id and again.replayed


def test_the_same_key_with_other_legs_is_a_conflict(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    k = key()
    ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 4_000))
    with pytest.raises(IdempotencyConflict) as refused:
        ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 4_001))
    assert refused.value.code == "conflict"
    assert ledger.balance(session, awa).posted == 6_000


def test_a_replay_returns_the_entry_even_when_the_balance_no_longer_allows_it(session):
    awa, bruno = wallet(session, 5_000), wallet(session)
    k = key()
    first = ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 5_000))
    again = ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 5_000))
    assert again.id == first.id and again.replayed
    assert ledger.balance(session, awa).posted == 0


def test_insufficient_funds_leaves_balances_unchanged_and_writes_nothing(session):
    awa, bruno = wallet(session, 3_000), wallet(session)
    k = key()
    with pytest.raises(InsufficientFunds) as refused:
        ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 3_001))
    assert refused.value.code == "insufficient_funds"
    assert ledger.balance(session, awa) == ledger.Balance(3_000, 0, 3_000, "XAF")
    assert ledger.balance(session, bruno).posted == 0
    assert entries_with_key(session, k) == 0


def test_a_refused_key_is_not_burnt_and_works_once_funds_arrive(session):
    awa, bruno = wallet(session, 3_000), wallet(session)
    k = key()
    with pytest.raises(InsufficientFunds):
        ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 5_000))
    fund(session, awa, 2_000)
    posted = ledger.post_entry(session, key=k, kind="p2p", legs=transfer(awa, bruno, 5_000))
    assert not posted.replayed
    assert ledger.balance(session, bruno).posted == 5_000


def test_a_refusal_can_be_committed_with_the_callers_other_work(runtime):
    # A domain error with commit=True commits what the caller changed: the ledger
    # must have written nothing that would then be committed by mistake.
    with runtime.unit_of_work() as uow:
        awa, bruno = wallet(uow.session, 1_000), wallet(uow.session)
        uow.commit()
    k = key()
    with runtime.unit_of_work() as uow:
        with pytest.raises(InsufficientFunds):
            ledger.post_entry(uow.session, key=k, kind="p2p", legs=transfer(awa, bruno, 2_000))
        uow.commit()
    with runtime.unit_of_work() as uow:
        assert entries_with_key(uow.session, k) == 0
        assert ledger.balance(uow.session, awa).posted == 1_000


def test_a_frozen_wallet_refuses_debits_and_still_receives(session):
    awa, bruno = wallet(session, 10_000), wallet(session, 1_000)
    ledger.set_status(session, awa, "frozen")
    with pytest.raises(AccountFrozen) as refused:
        ledger.post_entry(session, key=key(), kind="p2p", legs=transfer(awa, bruno, 100))
    assert refused.value.code == "account_frozen"
    ledger.post_entry(session, key=key(), kind="p2p", legs=transfer(bruno, awa, 100))
    assert ledger.balance(session, awa).posted == 10_100


def test_a_closed_wallet_refuses_debits(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    ledger.set_status(session, awa, "closed")
    with pytest.raises(AccountFrozen):
        ledger.post_entry(session, key=key(), kind="p2p", legs=transfer(awa, bruno, 100))


def test_an_account_that_may_overdraw_also_refuses_to_pay_out_when_frozen(session):
    awa = wallet(session)
    ledger.set_status(session, fees("p2p"), "frozen")
    with pytest.raises(AccountFrozen):
        ledger.post_entry(
            session, key=key(), kind="fee_refund", legs=transfer(fees("p2p"), awa, 50)
        )


def test_frozen_means_no_money_out_whatever_the_normal_side(session):
    # Debiting an expense account raises its balance: a frozen one still takes it.
    counter = wallet(session, name="float-frozen-commission")
    ledger.set_status(session, COMMISSION_AGENTS, "frozen")
    ledger.post_entry(
        session, key=key(), kind="commission", legs=transfer(COMMISSION_AGENTS, counter, 40)
    )
    assert ledger.balance(session, counter).posted == 40


def test_accounts_that_may_overdraw_go_below_zero_and_wallets_do_not(session):
    awa = wallet(session)
    ledger.post_entry(session, key=key(), kind="topup", legs=transfer(TRUST_BANK, awa, 700))
    assert ledger.balance(session, TRUST_BANK).posted == 700
    with pytest.raises(InsufficientFunds):
        ledger.post_entry(session, key=key(), kind="p2p", legs=transfer(awa, fees("p2p"), 701))


@pytest.mark.parametrize(
    "amount",
    [0, -5, 10.0, Decimal("10"), True, "10", 10**16],
    ids=["zero", "negative", "float", "decimal", "bool", "string", "absurd"],
)
def test_amounts_that_are_not_positive_integers_are_refused(session, amount):
    awa, bruno = wallet(session, 10_000), wallet(session)
    with pytest.raises(InvalidEntry):
        ledger.post_entry(session, key=key(), kind="p2p", legs=transfer(awa, bruno, amount))
    assert ledger.balance(session, awa).posted == 10_000


def test_an_entry_needs_two_legs(session):
    awa = wallet(session, 10_000)
    with pytest.raises(InvalidEntry):
        ledger.post_entry(session, key=key(), kind="p2p", legs=[ledger.debit(awa, 100)])
    with pytest.raises(InvalidEntry):
        ledger.post_entry(session, key=key(), kind="p2p", legs=[])


@pytest.mark.parametrize("account", [None, "", 42])
def test_a_leg_names_its_account_by_code(session, account):
    bruno = wallet(session)
    with pytest.raises(InvalidEntry):
        ledger.post_entry(
            session,
            key=key(),
            kind="p2p",
            legs=[ledger.Leg(account, "debit", 100), ledger.credit(bruno, 100)],
        )


def test_an_unknown_side_is_refused(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    legs = [ledger.Leg(awa, "sideways", 100), ledger.credit(bruno, 100)]
    with pytest.raises(InvalidEntry):
        ledger.post_entry(session, key=key(), kind="p2p", legs=legs)


def test_an_unbalanced_entry_is_refused(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    with pytest.raises(UnbalancedEntry) as refused:
        ledger.post_entry(
            session,
            key=key(),
            kind="p2p",
            legs=[ledger.debit(awa, 5_050), ledger.credit(bruno, 5_000)],
        )
    assert refused.value.status == 500  # always a bug in the caller
    assert ledger.balance(session, awa).posted == 10_000


def test_an_entry_must_balance_in_each_currency(session):
    awa = wallet(session, 10_000)
    ledger.open_account(session, "wallet:eur-diaspora", "liability", "EUR")
    with pytest.raises(UnbalancedEntry):
        ledger.post_entry(
            session, key=key(), kind="fx", legs=transfer(awa, "wallet:eur-diaspora", 655)
        )


def test_an_entry_balanced_in_each_of_two_currencies_posts(session):
    awa = wallet(session, 10_000)
    ledger.open_account(session, "wallet:eur-diaspora", "liability", "EUR")
    ledger.open_account(session, "partner:paris", "liability", "EUR", allow_overdraft=True)
    ledger.post_entry(
        session,
        key=key(),
        kind="fx",
        legs=[
            ledger.debit(awa, 6_560),
            ledger.credit(fees("fx"), 6_560),
            ledger.debit("partner:paris", 10),
            ledger.credit("wallet:eur-diaspora", 10),
        ],
    )
    assert ledger.balance(session, "wallet:eur-diaspora") == ledger.Balance(10, 0, 10, "EUR")


def test_an_unknown_account_is_refused(session):
    awa = wallet(session, 10_000)
    with pytest.raises(AccountNotFound) as refused:
        ledger.post_entry(session, key=key(), kind="p2p", legs=transfer(awa, "wallet:nobody", 100))
    assert refused.value.code == "not_found"


@pytest.mark.parametrize("bad_key", ["", "k" * 256])
def test_an_entry_needs_an_idempotency_key_of_sensible_length(session, bad_key):
    awa, bruno = wallet(session, 10_000), wallet(session)
    with pytest.raises(InvalidEntry):
        ledger.post_entry(session, key=bad_key, kind="p2p", legs=transfer(awa, bruno, 100))


def test_opening_an_account_twice_returns_the_first(session):
    first = ledger.open_account(session, "biller:snde", "liability")
    again = ledger.open_account(session, "biller:snde", "liability")
    assert again.id == first.id


def test_reopening_an_account_as_something_else_is_refused(session):
    ledger.open_account(session, "biller:snde", "liability")
    with pytest.raises(InvalidEntry):
        ledger.open_account(session, "biller:snde", "asset")
    with pytest.raises(InvalidEntry):
        ledger.open_account(session, "biller:snde", "liability", "EUR")
    with pytest.raises(InvalidEntry):
        ledger.open_account(session, "biller:snde", "liability", allow_overdraft=True)


def test_wallets_never_overdraw_and_system_accounts_may_by_default(session):
    assert not ledger.open_account(session, "wallet:defaults", "liability").allow_overdraft
    assert ledger.open_account(session, "fees:defaults", "income").allow_overdraft


def test_balances_read_after_a_posting_in_the_same_session_are_current(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    loaded = ledger.get_account(session, awa)
    ledger.post_entry(session, key=key(), kind="p2p", legs=transfer(awa, bruno, 2_500))
    assert loaded.posted_balance == 7_500


def test_accounts_of_a_rolled_back_transaction_are_never_remembered(runtime):
    # SQLite hands a rolled-back rowid to the next account: a remembered id for
    # the first code would post to the second account.
    with runtime.unit_of_work() as uow:
        ledger.open_account(uow.session, fees("ghost"), "income")
        ledger.post_entry(
            uow.session, key=key(), kind="fee", legs=transfer(TRUST_BANK, fees("ghost"), 10)
        )
        uow.rollback()
    with runtime.unit_of_work() as uow:
        assert fees("ghost") not in cached_codes(uow.session)
        ledger.open_account(uow.session, fees("other"), "income")
        ledger.post_entry(
            uow.session, key=key(), kind="fee", legs=transfer(TRUST_BANK, fees("other"), 10)
        )
        with pytest.raises(AccountNotFound):
            ledger.post_entry(
                uow.session, key=key(), kind="fee", legs=transfer(TRUST_BANK, fees("ghost"), 10)
            )
        uow.commit()
    with runtime.unit_of_work() as uow:
        assert fees("other") in cached_codes(uow.session)
        assert ledger.balance(uow.session, fees("other")).posted == 10
