"""Two-phase entries: a hold reserves funds, then is posted or voided, never both."""

from datetime import timedelta

import pytest

from app import ledger
from app.clock import clock as app_clock
from app.errors import InsufficientFunds
from app.ledger.chart import fees
from app.ledger.errors import EntryNotFound, EntryNotPending, HoldExpired, InvalidEntry
from tests.factories import key, wallet


def hold(session, payer, payee, amount, fee=0, minutes=5):
    legs = [ledger.debit(payer, amount + fee), ledger.credit(payee, amount)]
    if fee:
        legs.append(ledger.credit(fees("p2p"), fee))
    return ledger.hold_entry(
        session,
        key=key("hold"),
        kind="p2p",
        legs=legs,
        expires_at=app_clock.now() + timedelta(minutes=minutes),
    )


def test_a_hold_reserves_the_payers_funds_and_gives_the_payee_nothing_yet(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000, fee=50)
    assert held.status == "pending"
    assert ledger.balance(session, awa) == ledger.Balance(10_000, 4_050, 5_950, "XAF")
    assert ledger.balance(session, bruno) == ledger.Balance(0, 0, 0, "XAF")
    assert ledger.balance(session, fees("p2p")).posted == 0


def test_reserved_funds_cannot_be_spent_twice(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    hold(session, awa, bruno, 6_000)
    with pytest.raises(InsufficientFunds):
        hold(session, awa, bruno, 6_000)
    with pytest.raises(InsufficientFunds):
        ledger.post_entry(
            session,
            key=key(),
            kind="p2p",
            legs=[ledger.debit(awa, 4_001), ledger.credit(bruno, 4_001)],
        )


def test_posting_a_hold_moves_the_money(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000, fee=50)
    posted = ledger.post_pending(session, held.id)
    assert (posted.id, posted.status, posted.replayed) == (held.id, "posted", False)
    assert ledger.balance(session, awa) == ledger.Balance(5_950, 0, 5_950, "XAF")
    assert ledger.balance(session, bruno) == ledger.Balance(4_000, 0, 4_000, "XAF")
    assert ledger.balance(session, fees("p2p")).posted == 50
    assert session.get(ledger.Entry, held.id).status == "posted"


def test_voiding_a_hold_gives_the_funds_back(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000, fee=50)
    voided = ledger.void_pending(session, held.id, "cancelled by the customer")
    assert voided.status == "voided"
    assert ledger.balance(session, awa) == ledger.Balance(10_000, 0, 10_000, "XAF")
    assert ledger.balance(session, bruno).posted == 0
    entry = session.get(ledger.Entry, held.id)
    assert (entry.status, entry.void_reason) == ("voided", "cancelled by the customer")


def test_a_hold_past_its_expiry_cannot_be_posted(session, clock):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000, minutes=5)
    clock.advance(minutes=5)
    with pytest.raises(HoldExpired) as refused:
        ledger.post_pending(session, held.id)
    assert refused.value.code == "hold_expired"
    assert ledger.balance(session, bruno).posted == 0


def test_a_hold_just_before_its_expiry_can_be_posted(session, clock):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000, minutes=5)
    clock.advance(minutes=4, seconds=59)
    ledger.post_pending(session, held.id)
    assert ledger.balance(session, bruno).posted == 4_000


def test_an_expired_hold_is_released_by_voiding_it(session, clock):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000)
    clock.advance(hours=1)
    ledger.void_pending(session, held.id, "expired")
    assert ledger.balance(session, awa).available == 10_000


def test_a_hold_is_posted_once(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000)
    ledger.post_pending(session, held.id)
    with pytest.raises(EntryNotPending) as refused:
        ledger.post_pending(session, held.id)
    assert refused.value.code == "invalid_state"
    assert ledger.balance(session, bruno).posted == 4_000


def test_a_posted_hold_cannot_be_voided(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000)
    ledger.post_pending(session, held.id)
    with pytest.raises(EntryNotPending):
        ledger.void_pending(session, held.id, "too late")
    assert ledger.balance(session, awa).posted == 6_000


def test_a_voided_hold_cannot_be_posted_or_voided_again(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = hold(session, awa, bruno, 4_000)
    ledger.void_pending(session, held.id, "cancelled")
    with pytest.raises(EntryNotPending):
        ledger.post_pending(session, held.id)
    with pytest.raises(EntryNotPending):
        ledger.void_pending(session, held.id, "again")
    assert ledger.balance(session, awa).available == 10_000


def test_an_entry_posted_at_once_is_not_pending(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    entry = ledger.post_entry(
        session,
        key=key(),
        kind="p2p",
        legs=[ledger.debit(awa, 100), ledger.credit(bruno, 100)],
    )
    with pytest.raises(EntryNotPending):
        ledger.void_pending(session, entry.id, "no")


def test_an_unknown_entry_is_not_found(session):
    with pytest.raises(EntryNotFound):
        ledger.post_pending(session, 999_999)
    with pytest.raises(EntryNotFound):
        ledger.void_pending(session, 999_999, "no")


def test_a_hold_needs_an_aware_expiry(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    with pytest.raises(InvalidEntry):
        ledger.hold_entry(
            session,
            key=key(),
            kind="p2p",
            legs=[ledger.debit(awa, 100), ledger.credit(bruno, 100)],
            expires_at=app_clock.now().replace(tzinfo=None),
        )


def test_retrying_a_hold_returns_it_with_its_current_status(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    k = key()
    legs = [ledger.debit(awa, 100), ledger.credit(bruno, 100)]
    expires_at = app_clock.now() + timedelta(minutes=5)
    held = ledger.hold_entry(session, key=k, kind="p2p", legs=legs, expires_at=expires_at)
    ledger.post_pending(session, held.id)
    again = ledger.hold_entry(session, key=k, kind="p2p", legs=legs, expires_at=expires_at)
    assert (again.id, again.status, again.replayed) == (held.id, "posted", True)
    assert ledger.balance(session, awa).posted == 9_900
