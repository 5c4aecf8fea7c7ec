"""Reading the ledger: statements with running balance, trial balance, outflow for limits."""

import base64
from datetime import timedelta

import pytest

from app import ledger
from app.clock import clock as app_clock
from app.errors import ValidationFailed
from app.ledger.chart import fees
from app.ledger.errors import AccountNotFound
from tests.factories import fund, key, wallet


def pay(session, payer, payee, amount, fee=0):
    legs = [ledger.debit(payer, amount + fee), ledger.credit(payee, amount)]
    if fee:
        legs.append(ledger.credit(fees("p2p"), fee))
    return ledger.post_entry(session, key=key("pay"), kind="p2p", legs=legs)


def hold(session, payer, payee, amount):
    return ledger.hold_entry(
        session,
        key=key("hold"),
        kind="p2p",
        legs=[ledger.debit(payer, amount), ledger.credit(payee, amount)],
        expires_at=app_clock.now() + timedelta(minutes=5),
    )


def a_month_of_awa(session, clock):
    """Awa's history, oldest first; the balance after each line is in the comment."""
    awa, bruno = wallet(session), wallet(session)
    fund(session, awa, 10_000)  # 10 000
    clock.advance(minutes=1)
    pay(session, awa, bruno, 1_000)  # 9 000
    clock.advance(minutes=1)
    pay(session, bruno, awa, 500)  # 9 500
    pay(session, awa, bruno, 200)  # 9 300   (same instant: id order)
    pay(session, awa, bruno, 300)  # 9 000
    held = hold(session, awa, bruno, 700)
    ledger.void_pending(session, hold(session, awa, bruno, 100).id, "cancelled")
    clock.advance(minutes=1)
    ledger.post_pending(session, held.id)  # 8 300   (posted when confirmed)
    return awa


def test_statement_lines_come_newest_first_with_the_balance_after_each(session, clock):
    awa = a_month_of_awa(session, clock)
    page = ledger.statement(session, awa, limit=50)
    assert [line.amount for line in page.items] == [-700, -300, -200, 500, -1_000, 10_000]
    assert [line.balance_after for line in page.items] == [
        8_300,
        9_000,
        9_300,
        9_500,
        9_000,
        10_000,
    ]
    assert page.next_cursor is None
    assert page.items[0].balance_after == ledger.balance(session, awa).posted


def test_statement_pages_follow_each_other_with_consistent_running_balances(session, clock):
    awa = a_month_of_awa(session, clock)
    everything = ledger.statement(session, awa, limit=50).items
    seen, cursor, pages = [], None, 0
    while True:
        page = ledger.statement(session, awa, limit=2, cursor=cursor)
        seen += page.items
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert seen == everything


def test_a_later_page_is_unchanged_by_what_was_posted_meanwhile(session, clock):
    awa = a_month_of_awa(session, clock)
    first = ledger.statement(session, awa, limit=2)
    expected_rest = ledger.statement(session, awa, limit=10, cursor=first.next_cursor).items
    clock.advance(minutes=1)
    pay(session, awa, wallet(session), 1_234)
    rest = ledger.statement(session, awa, limit=10, cursor=first.next_cursor).items
    assert rest == expected_rest


def test_an_empty_account_has_an_empty_statement(session):
    page = ledger.statement(session, wallet(session))
    assert (page.items, page.next_cursor) == ([], None)


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"nonsense").decode(),
        base64.urlsafe_b64encode(b"2026-11-28T09:00:00+00:00|abc").decode(),
        base64.urlsafe_b64encode(b"2026-11-28T09:00:00|12").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
    ids=["garbage", "no-separator", "bad-id", "naive-time", "not-utf8"],
)
def test_a_bad_cursor_is_a_validation_error(session, cursor):
    awa = wallet(session, 1_000)
    with pytest.raises(ValidationFailed) as refused:
        ledger.statement(session, awa, cursor=cursor)
    assert refused.value.code == "validation_error"
    assert "cursor" in refused.value.extra["errors"]


def test_the_statement_of_an_unknown_account_is_not_found(session):
    with pytest.raises(AccountNotFound):
        ledger.statement(session, "wallet:nobody")


def test_trial_balance_sums_each_type_and_currency_and_balances(session):
    awa, bruno = wallet(session), wallet(session)
    ledger.open_account(session, "wallet:eur-diaspora", "liability", "EUR")
    fund(session, awa, 10_000)
    pay(session, awa, bruno, 5_000, fee=50)
    rows, balanced = ledger.trial_balance(session)
    by_type = {(r.type, r.currency): (r.debits, r.credits) for r in rows}
    assert by_type[("asset", "XAF")] == (10_000, 0)
    assert by_type[("liability", "XAF")] == (5_050, 15_000)
    assert by_type[("income", "XAF")] == (0, 50)
    assert by_type[("liability", "EUR")] == (0, 0)
    assert balanced is True


def test_outflow_counts_posted_and_reserved_debits(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    start = app_clock.now()
    pay(session, awa, bruno, 1_000, fee=50)
    hold(session, awa, bruno, 2_000)
    assert ledger.outflow(session, awa, start) == 3_050


def test_outflow_ignores_voided_holds(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    start = app_clock.now()
    ledger.void_pending(session, hold(session, awa, bruno, 2_000).id, "cancelled")
    assert ledger.outflow(session, awa, start) == 0


def test_a_reversal_is_not_outflow_of_the_account_it_debits(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    start = app_clock.now()
    sent = pay(session, awa, bruno, 1_000)
    ledger.reverse_entry(session, sent.id, key=key(), reason="mistake", kind="refund")
    assert ledger.outflow(session, bruno, start) == 0


def test_outflow_ignores_money_received(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    start = app_clock.now()
    pay(session, awa, bruno, 1_000)
    assert ledger.outflow(session, bruno, start) == 0


def test_outflow_starts_at_the_start_of_the_window(session, clock):
    awa, bruno = wallet(session, 10_000), wallet(session)
    start_of_yesterday = app_clock.now()
    pay(session, awa, bruno, 1_000)
    clock.advance(days=1)
    start_of_today = app_clock.now()
    pay(session, awa, bruno, 300)
    assert ledger.outflow(session, awa, start_of_today) == 300
    assert ledger.outflow(session, awa, start_of_yesterday) == 1_300


def test_posted_balance_at_an_instant_counts_entries_posted_before_it(session, clock):
    awa, bruno = wallet(session, 10_000), wallet(session)
    clock.advance(hours=1)
    noon = app_clock.now()
    pay(session, awa, bruno, 1_000)
    assert ledger.posted_balance_at(session, awa, noon) == 10_000
    clock.advance(seconds=1)
    assert ledger.posted_balance_at(session, awa, app_clock.now()) == 9_000
