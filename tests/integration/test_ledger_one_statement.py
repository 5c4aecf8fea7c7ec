"""An entry in one statement on PostgreSQL, the same answers as the stepwise path.

On PostgreSQL ``post_entry``, ``hold_entry`` and ``reverse_entry`` lock, check
and write in one statement, and ``post_pending`` / ``void_pending`` claim and
settle in one (app/ledger/journal.py); SQLite keeps the stepwise path. Every
refusal must read the same on both backends and leave nothing behind, and the
number of statements is pinned so that a round trip added to the write shows.
"""

from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import func, select

from app import ledger
from app.clock import clock
from app.errors import AccountFrozen, InsufficientFunds
from app.ledger.chart import TRUST_BANK, fees
from app.ledger.errors import AccountNotFound, UnbalancedEntry
from tests.factories import key, wallet


def entries(session) -> int:
    return session.scalar(select(func.count()).select_from(ledger.Entry))


def test_unbalanced_legs_are_refused_and_write_nothing(session):
    awa, bruno = wallet(session, 10_000), wallet(session)
    before = entries(session)
    with pytest.raises(UnbalancedEntry):
        ledger.post_entry(
            session,
            key=key(),
            kind="p2p",
            legs=[ledger.debit(awa, 1_000), ledger.credit(bruno, 900)],
        )
    assert entries(session) == before
    assert ledger.balance(session, awa).posted == 10_000


def test_legs_balanced_in_total_but_not_per_currency_are_refused(session):
    ledger.open_account(session, "trust:eur", "asset", "EUR")
    awa = wallet(session, 10_000)
    with pytest.raises(UnbalancedEntry):
        ledger.post_entry(
            session,
            key=key(),
            kind="fx",
            legs=[ledger.debit(awa, 1_000), ledger.credit("trust:eur", 1_000)],
        )
    assert ledger.balance(session, awa).posted == 10_000


def test_an_unknown_account_is_named_and_nothing_is_written(session):
    awa = wallet(session, 10_000)
    before = entries(session)
    with pytest.raises(AccountNotFound, match="wallet:nobody"):
        ledger.post_entry(
            session,
            key=key(),
            kind="p2p",
            legs=[ledger.debit(awa, 1_000), ledger.credit("wallet:nobody", 1_000)],
        )
    assert entries(session) == before
    assert ledger.balance(session, awa).available == 10_000


def test_a_frozen_payer_is_refused_before_its_funds_are_counted(session):
    awa, bruno = wallet(session, 100), wallet(session)
    ledger.set_status(session, awa, "frozen")
    with pytest.raises(AccountFrozen):
        ledger.post_entry(session, key=key(), kind="p2p", legs=transfer(awa, bruno, 1_000))


def test_a_refused_hold_replays_when_its_key_went_through_before(session):
    awa, bruno = wallet(session, 1_000), wallet(session)
    hold_key = key()
    expires = clock.now() + timedelta(minutes=5)
    first = ledger.hold_entry(
        session, key=hold_key, kind="p2p", legs=transfer(awa, bruno, 1_000), expires_at=expires
    )
    again = ledger.hold_entry(
        session, key=hold_key, kind="p2p", legs=transfer(awa, bruno, 1_000), expires_at=expires
    )
    assert (again.id, again.replayed) == (first.id, True)
    with pytest.raises(InsufficientFunds):
        ledger.hold_entry(
            session, key=key(), kind="p2p", legs=transfer(awa, bruno, 1), expires_at=expires
        )


def transfer(payer: str, payee: str, amount: int) -> list[ledger.Leg]:
    return [ledger.debit(payer, amount), ledger.credit(payee, amount)]


@pytest.fixture
def driver_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement sent on a psycopg cursor, SQLAlchemy's and the ledger's own,
    but the pool's pre-ping (``;``) when a unit of work checks a connection out."""
    sent: list[str] = []
    original = psycopg.Cursor.execute

    def execute(cursor, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(query).strip() != ";":
            sent.append(str(query))
        return original(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    yield sent


@pytest.mark.postgres_only
def test_on_postgresql_an_entry_with_a_fee_is_one_statement(runtime, driver_statements):
    with runtime.unit_of_work() as uow:
        awa, bruno = wallet(uow.session, 10_000), wallet(uow.session)
        uow.commit()
    driver_statements.clear()
    with runtime.unit_of_work() as uow:
        ledger.post_entry(
            uow.session,
            key=key(),
            kind="p2p",
            legs=[
                ledger.debit(awa, 1_010),
                ledger.credit(bruno, 1_000),
                ledger.credit(fees("p2p"), 10),
            ],
        )
        assert len(driver_statements) == 1
        uow.commit()
    # The fee's increment travels in one string with the COMMIT.
    assert len(driver_statements) == 2
    assert driver_statements[1].rstrip().endswith("COMMIT")


@pytest.mark.postgres_only
def test_on_postgresql_a_hold_and_its_posting_are_one_statement_each(runtime, driver_statements):
    with runtime.unit_of_work() as uow:
        awa, bruno = wallet(uow.session, 10_000), wallet(uow.session)
        uow.commit()
    expires = clock.now() + timedelta(minutes=5)
    with runtime.unit_of_work() as uow:
        driver_statements.clear()
        held = ledger.hold_entry(
            uow.session, key=key(), kind="p2p", legs=transfer(awa, bruno, 1_000), expires_at=expires
        )
        assert len(driver_statements) == 1
        ledger.post_pending(uow.session, held.id)
        assert len(driver_statements) == 2
        voided = ledger.hold_entry(
            uow.session, key=key(), kind="p2p", legs=transfer(awa, bruno, 500), expires_at=expires
        )
        ledger.void_pending(uow.session, voided.id, "cancelled")
        assert len(driver_statements) == 4
        uow.commit()
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, awa) == ledger.Balance(9_000, 0, 9_000, "XAF")
        assert ledger.balance(uow.session, bruno).posted == 1_000
        assert ledger.balance(uow.session, TRUST_BANK).posted == 10_000
