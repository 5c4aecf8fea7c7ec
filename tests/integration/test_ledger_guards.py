"""The database guards hold against SQL written around the ledger's code.

Each test writes with raw SQL, as a careless script or a compromised service
could, and shows the database itself refuses: overdraft, edits of postings and
of final entries, deletions, and (PostgreSQL) an unbalanced entry at its INSERT.
"""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app import ledger
from tests.concurrency import committed
from tests.factories import key, wallet


def posted_transfer(session, amount=1_000):
    awa, bruno = wallet(session, 10_000), wallet(session)
    entry = ledger.post_entry(
        session,
        key=key(),
        kind="p2p",
        legs=[ledger.debit(awa, amount), ledger.credit(bruno, amount)],
    )
    return awa, bruno, entry


def test_an_overdraft_written_in_sql_is_refused_by_the_check_constraint(session):
    awa = wallet(session, 1_000)
    with pytest.raises(IntegrityError, match="no_overdraft"):
        session.execute(
            text("UPDATE ledger_accounts SET debits_posted = debits_posted + 1001 WHERE code = :c"),
            {"c": awa},
        )


def test_a_reservation_beyond_the_balance_written_in_sql_is_refused(session):
    awa = wallet(session, 1_000)
    with pytest.raises(IntegrityError, match="no_overdraft"):
        session.execute(
            text("UPDATE ledger_accounts SET debits_pending = 1001 WHERE code = :c"), {"c": awa}
        )


def test_a_posting_cannot_be_updated(session):
    _, _, entry = posted_transfer(session)
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE ledger_postings SET amount = 1 WHERE entry_id = :e"), {"e": entry.id}
        )


def test_a_posting_cannot_be_deleted(session):
    _, _, entry = posted_transfer(session)
    with pytest.raises(IntegrityError):
        session.execute(text("DELETE FROM ledger_postings WHERE entry_id = :e"), {"e": entry.id})


def test_a_posted_entry_cannot_change_status(session):
    _, _, entry = posted_transfer(session)
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE ledger_entries SET status = 'voided' WHERE id = :e"), {"e": entry.id}
        )


def test_an_entry_cannot_be_deleted(session):
    _, _, entry = posted_transfer(session)
    with pytest.raises(IntegrityError):
        session.execute(text("DELETE FROM ledger_entries WHERE id = :e"), {"e": entry.id})


def test_an_entrys_idempotency_key_cannot_change(session):
    _, _, entry = posted_transfer(session)
    with pytest.raises(IntegrityError):
        session.execute(
            text("UPDATE ledger_entries SET idempotency_key = 'other' WHERE id = :e"),
            {"e": entry.id},
        )


@pytest.mark.parametrize(
    "assignment",
    ["currency = 'EUR'", "allow_overdraft = true", "code = 'wallet:renamed'", "type = 'asset'"],
)
def test_what_an_account_is_cannot_change(session, assignment):
    awa = wallet(session)
    with pytest.raises(IntegrityError):
        session.execute(
            text(f"UPDATE ledger_accounts SET {assignment} WHERE code = :c"), {"c": awa}
        )


def test_an_accounts_status_and_name_can_change(session):
    awa = wallet(session)
    session.execute(
        text("UPDATE ledger_accounts SET status = 'frozen', name = 'Awa' WHERE code = :c"),
        {"c": awa},
    )
    assert ledger.get_account(session, awa).status == "frozen"


def test_an_account_cannot_be_deleted(session):
    awa = wallet(session)
    with pytest.raises(IntegrityError):
        session.execute(text("DELETE FROM ledger_accounts WHERE code = :c"), {"c": awa})


def insert_one_sided_entry(session, awa):
    entry_id = session.execute(
        text(
            "INSERT INTO ledger_entries (idempotency_key, fingerprint, kind, status, created_at) "
            "VALUES (:k, 'x', 'forged', 'posted', CURRENT_TIMESTAMP) RETURNING id"
        ),
        {"k": key("forged")},
    ).scalar()
    session.execute(
        text(
            "INSERT INTO ledger_postings (entry_id, account_id, side, amount, currency) "
            "SELECT :e, id, 'credit', 500, 'XAF' FROM ledger_accounts WHERE code = :c"
        ),
        {"e": entry_id, "c": awa},
    )
    return entry_id


@pytest.mark.postgres_only
def test_an_unbalanced_entry_written_in_sql_fails_at_its_insert(runtime):
    awa = committed(runtime, lambda s: wallet(s))
    with runtime.unit_of_work() as uow, pytest.raises(IntegrityError, match="unbalanced"):
        insert_one_sided_entry(uow.session, awa)
    with runtime.unit_of_work() as uow:
        assert ledger.statement(uow.session, awa).items == []


@pytest.mark.postgres_only
def test_a_leg_added_to_a_balanced_entry_in_sql_fails_at_its_insert(runtime):
    _, bruno, entry = committed(runtime, posted_transfer)
    with runtime.unit_of_work() as uow, pytest.raises(IntegrityError, match="unbalanced"):
        uow.session.execute(
            text(
                "INSERT INTO ledger_postings (entry_id, account_id, side, amount, currency) "
                "SELECT :e, id, 'credit', 1, 'XAF' FROM ledger_accounts WHERE code = :c"
            ),
            {"e": entry.id, "c": bruno},
        )


@pytest.mark.sqlite_only
@pytest.mark.ledger_broken
def test_on_sqlite_an_unbalanced_entry_in_sql_is_caught_by_the_ledger_check(runtime):
    # SQLite cannot defer a trigger to commit: the Python check refuses it on the
    # way in, and `flask ledger check` finds what was written around it.
    awa = committed(runtime, lambda s: wallet(s))
    forged = committed(runtime, lambda s: insert_one_sided_entry(s, awa))
    with runtime.unit_of_work() as uow:
        results = {r.name: r for r in ledger.run_checks(uow.session)}
    assert not results["entries_balanced"].ok
    assert results["entries_balanced"].offending[0]["entry_id"] == forged
