"""Hot accounts (fees and the like, which may overdraw) are written at COMMIT on PostgreSQL.

Whatever the backend, their increments must follow the transaction exactly:
visible to reads inside it, kept by a released savepoint, dropped with a rolled
back one, never leaking into the next transaction on a pooled connection.
"""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app import ledger
from app.ledger.chart import fees
from tests.factories import key, wallet


def p2p_with_fee(session, payer, payee, amount, fee):
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


def two_wallets(runtime):
    with runtime.unit_of_work() as uow:
        pair = wallet(uow.session, 100_000), wallet(uow.session)
        uow.commit()
    return pair


def fee_balance(runtime):
    with runtime.unit_of_work() as uow:
        return ledger.balance(uow.session, fees("p2p")).posted


def test_a_fee_is_visible_inside_its_transaction_and_after_the_commit(runtime):
    awa, bruno = two_wallets(runtime)
    with runtime.unit_of_work() as uow:
        p2p_with_fee(uow.session, awa, bruno, 1_000, 50)
        assert ledger.get_account(uow.session, fees("p2p")).credits_posted == 50
        assert ledger.trial_balance(uow.session)[1] is True
        uow.commit()
    assert fee_balance(runtime) == 50


def test_an_account_loaded_through_the_orm_before_the_posting_reads_current_totals(runtime):
    awa, bruno = two_wallets(runtime)
    with runtime.unit_of_work() as uow:
        fee_account = ledger.get_account(uow.session, fees("p2p"))
        p2p_with_fee(uow.session, awa, bruno, 1_000, 50)
        assert fee_account.credits_posted == 50
        assert uow.session.get(ledger.Account, fee_account.id).credits_posted == 50
        uow.commit()


def test_a_report_reading_account_rows_in_a_subquery_sees_current_totals(runtime):
    awa, bruno = two_wallets(runtime)
    with runtime.unit_of_work() as uow:
        p2p_with_fee(uow.session, awa, bruno, 1_000, 50)
        per_account = select(
            ledger.Account.code.label("code"), ledger.Account.credits_posted.label("credits")
        ).subquery()
        credits = dict(uow.session.execute(select(per_account.c.code, per_account.c.credits)).all())
        assert credits[fees("p2p")] == 50
        uow.commit()


def test_fees_of_several_entries_in_one_transaction_add_up(runtime):
    awa, bruno = two_wallets(runtime)
    with runtime.unit_of_work() as uow:
        for fee in (50, 150, 300):
            p2p_with_fee(uow.session, awa, bruno, 1_000, fee)
        uow.commit()
    assert fee_balance(runtime) == 500


def test_a_rolled_back_savepoint_takes_its_fees_and_only_its_fees(runtime):
    awa, bruno = two_wallets(runtime)
    with runtime.unit_of_work() as uow:
        p2p_with_fee(uow.session, awa, bruno, 1_000, 50)
        savepoint = uow.session.begin_nested()
        p2p_with_fee(uow.session, awa, bruno, 1_000, 30)
        savepoint.rollback()
        uow.commit()
    assert fee_balance(runtime) == 50
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, bruno).posted == 1_000


def test_a_released_savepoint_keeps_its_fees(runtime):
    awa, bruno = two_wallets(runtime)
    with runtime.unit_of_work() as uow:
        with uow.session.begin_nested():
            p2p_with_fee(uow.session, awa, bruno, 1_000, 30)
        p2p_with_fee(uow.session, awa, bruno, 1_000, 20)
        uow.commit()
    assert fee_balance(runtime) == 50


def test_fees_of_a_rolled_back_transaction_never_reach_the_next_one(runtime):
    awa, bruno = two_wallets(runtime)
    for _ in range(3):  # enough to reuse the pooled connection
        with runtime.unit_of_work() as uow:
            p2p_with_fee(uow.session, awa, bruno, 1_000, 50)
            uow.rollback()
    with runtime.unit_of_work() as uow:
        ledger.post_entry(
            uow.session,
            key=key(),
            kind="p2p",
            legs=[ledger.debit(awa, 10), ledger.credit(bruno, 10)],
        )
        uow.commit()
    assert fee_balance(runtime) == 0


def refuse_this_commit(session):
    """A deferred constraint that fails this transaction's COMMIT (a temp table, dropped
    with the transaction)."""
    for statement in (
        "CREATE TEMP TABLE refuse_commit (x int) ON COMMIT DROP",
        "CREATE OR REPLACE FUNCTION pg_temp.refuse_commit() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'check_violation'; "
        "END $$ LANGUAGE plpgsql",
        "CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON refuse_commit "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_commit()",
        "INSERT INTO refuse_commit VALUES (1)",
    ):
        session.execute(text(statement))


@pytest.mark.postgres_only
def test_a_commit_refused_by_the_database_keeps_nothing_not_even_the_fees(runtime):
    awa, bruno = two_wallets(runtime)
    with runtime.unit_of_work() as uow:
        p2p_with_fee(uow.session, awa, bruno, 1_000, 50)
        refuse_this_commit(uow.session)
        with pytest.raises(IntegrityError, match="refused at commit"):
            uow.commit()
    assert fee_balance(runtime) == 0
    with runtime.unit_of_work() as uow:
        assert ledger.balance(uow.session, bruno).posted == 0
