"""Reversals: a compensating entry linked to the original, never an edit of it."""

from datetime import timedelta

import pytest

from app import ledger
from app.clock import clock as app_clock
from app.errors import InsufficientFunds
from app.ledger.chart import fees
from app.ledger.errors import AlreadyReversed, EntryNotFound, EntryNotPending
from tests.factories import key, wallet


def p2p(session, payer, payee, amount, fee):
    return ledger.post_entry(
        session,
        key=key("p2p"),
        kind="p2p",
        legs=[
            ledger.debit(payer, amount + fee),
            ledger.credit(payee, amount),
            ledger.credit(fees("p2p"), fee),
        ],
    )


def test_a_reversal_swaps_every_leg_and_links_to_the_original(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    original = p2p(session, awa, bruno, 5_000, 50)
    reversal = ledger.reverse_entry(session, original.id, key=key(), reason="sent by mistake")
    assert (reversal.kind, reversal.status, reversal.replayed) == ("reversal", "posted", False)
    assert ledger.balance(session, awa).posted == 10_000
    assert ledger.balance(session, bruno).posted == 0
    assert ledger.balance(session, fees("p2p")).posted == 0
    entry = session.get(ledger.Entry, reversal.id)
    assert entry.reverses_id == original.id
    assert entry.meta == {"reason": "sent by mistake", "reverses": original.id}
    swapped = sorted((p.account.code, p.side, p.amount) for p in entry.postings)
    assert swapped == sorted(
        [(awa, "credit", 5_050), (bruno, "debit", 5_000), (fees("p2p"), "debit", 50)]
    )
    # the original is untouched: corrections are new entries
    assert session.get(ledger.Entry, original.id).status == "posted"


def test_a_reversal_is_refused_when_the_payee_has_spent_the_money(session):
    awa, bruno, chantal = wallet(session, 10_000), wallet(session), wallet(session)
    original = p2p(session, awa, bruno, 5_000, 50)
    ledger.post_entry(
        session,
        key=key(),
        kind="p2p",
        legs=[ledger.debit(bruno, 4_000), ledger.credit(chantal, 4_000)],
    )
    with pytest.raises(InsufficientFunds) as refused:
        ledger.reverse_entry(session, original.id, key=key(), reason="too late")
    assert refused.value.code == "insufficient_funds"
    assert ledger.balance(session, awa).posted == 4_950
    assert ledger.balance(session, bruno).posted == 1_000


def test_an_entry_is_reversed_at_most_once(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    original = p2p(session, awa, bruno, 5_000, 50)
    ledger.reverse_entry(session, original.id, key=key(), reason="first")
    with pytest.raises(AlreadyReversed):
        ledger.reverse_entry(session, original.id, key=key(), reason="second")
    assert ledger.balance(session, awa).posted == 10_000


def test_retrying_a_reversal_with_its_key_returns_it(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    original = p2p(session, awa, bruno, 5_000, 50)
    k = key()
    first = ledger.reverse_entry(session, original.id, key=k, reason="mistake")
    again = ledger.reverse_entry(session, original.id, key=k, reason="mistake")
    assert (again.id, again.replayed) == (first.id, True)
    assert ledger.balance(session, awa).posted == 10_000


def test_only_posted_entries_are_reversed(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = ledger.hold_entry(
        session,
        key=key(),
        kind="p2p",
        legs=[ledger.debit(awa, 100), ledger.credit(bruno, 100)],
        expires_at=app_clock.now() + timedelta(minutes=5),
    )
    with pytest.raises(EntryNotPending):
        ledger.reverse_entry(session, held.id, key=key(), reason="pending")
    ledger.void_pending(session, held.id, "cancelled")
    with pytest.raises(EntryNotPending):
        ledger.reverse_entry(session, held.id, key=key(), reason="voided")


def test_reversing_an_unknown_entry_is_not_found(session):
    with pytest.raises(EntryNotFound):
        ledger.reverse_entry(session, 424_242, key=key(), reason="nothing")


def test_a_posted_hold_reverses_like_any_entry(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    held = ledger.hold_entry(
        session,
        key=key(),
        kind="p2p",
        legs=[ledger.debit(awa, 3_000), ledger.credit(bruno, 3_000)],
        expires_at=app_clock.now() + timedelta(minutes=5),
    )
    ledger.post_pending(session, held.id)
    ledger.reverse_entry(session, held.id, key=key(), reason="disputed")
    assert ledger.balance(session, awa).posted == 10_000
    assert ledger.balance(session, bruno).posted == 0
