"""The SQL that writes the journal: an entry, its postings and the account totals.

``posting.py`` decides what to write; this module writes it in as few round
trips as each backend allows, because every round trip made while a row lock
is held makes the next writer of that row wait longer.

* PostgreSQL: one statement inserts the entry (``ON CONFLICT DO NOTHING``:
  a replayed key inserts nothing), its postings and the increments of the
  accounts it holds locked. Leg and total arrays travel as parameters, so the
  statement text never changes and stays prepared. The accounts it does not
  lock (those that may overdraw) are written at COMMIT (``deferred.py``).
* SQLite: the same rows in three statements; they run in-process and writers
  are serialised anyway.

The account totals are only ever changed by increments here, never by writing
a value read earlier, so two writers can never lose each other's update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from app.db import UTCDateTime
from app.ledger.models import Account, Entry


@dataclass(frozen=True, slots=True)
class NewPosting:
    account_id: int
    side: str
    amount: int
    currency: str


@dataclass(slots=True)
class Totals:
    """Increments of one account's four cached columns."""

    account_id: int
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    def params(self) -> dict[str, int]:
        return {
            "id": self.account_id,
            "dp": self.debits_posted,
            "cp": self.credits_posted,
            "dq": self.debits_pending,
            "cq": self.credits_pending,
        }


_ENTRY_COLUMNS = (
    "idempotency_key, fingerprint, kind, reference, status, created_at, posted_at, "
    "expires_at, metadata, reverses_id"
)
_ENTRY_VALUES = (
    ":key, :fingerprint, :kind, :reference, :status, :created_at, :posted_at, "
    ":expires_at, :meta, :reverses_id"
)
_ENTRY_TYPES = (
    bindparam("created_at", type_=UTCDateTime()),
    bindparam("posted_at", type_=UTCDateTime()),
    bindparam("expires_at", type_=UTCDateTime()),
    bindparam("meta", type_=JSON()),
)

_PG_WRITE = text(
    f"""
    WITH new_entry AS (
        INSERT INTO ledger_entries ({_ENTRY_COLUMNS}) VALUES ({_ENTRY_VALUES})
        ON CONFLICT DO NOTHING
        RETURNING id
    ), new_postings AS (
        INSERT INTO ledger_postings (entry_id, account_id, side, amount, currency)
        SELECT new_entry.id, leg.account_id, leg.side, leg.amount, leg.currency
        FROM new_entry, unnest(
            CAST(:leg_accounts AS bigint[]), CAST(:leg_sides AS varchar[]),
            CAST(:leg_amounts AS bigint[]), CAST(:leg_currencies AS varchar[])
        ) WITH ORDINALITY AS leg(account_id, side, amount, currency, position)
        ORDER BY leg.position
    ), new_totals AS (
        UPDATE ledger_accounts AS account SET
            debits_posted = account.debits_posted + delta.dp,
            credits_posted = account.credits_posted + delta.cp,
            debits_pending = account.debits_pending + delta.dq,
            credits_pending = account.credits_pending + delta.cq
        FROM new_entry, unnest(
            CAST(:total_ids AS bigint[]), CAST(:total_dp AS bigint[]),
            CAST(:total_cp AS bigint[]), CAST(:total_dq AS bigint[]),
            CAST(:total_cq AS bigint[])
        ) AS delta(id, dp, cp, dq, cq)
        WHERE account.id = delta.id
    )
    SELECT id FROM new_entry
    """
).bindparams(*_ENTRY_TYPES)

_INSERT_ENTRY = text(
    f"INSERT INTO ledger_entries ({_ENTRY_COLUMNS}) VALUES ({_ENTRY_VALUES}) "
    "ON CONFLICT DO NOTHING RETURNING id"
).bindparams(*_ENTRY_TYPES)

_INSERT_POSTING = text(
    "INSERT INTO ledger_postings (entry_id, account_id, side, amount, currency) "
    "VALUES (:entry_id, :account_id, :side, :amount, :currency)"
)

_ADD_TOTALS = text(
    "UPDATE ledger_accounts SET "
    "debits_posted = debits_posted + :dp, credits_posted = credits_posted + :cp, "
    "debits_pending = debits_pending + :dq, credits_pending = credits_pending + :cq "
    "WHERE id = :id"
)

_FIND_BY_KEY = text(
    "SELECT id, idempotency_key, fingerprint, kind, status, reference "
    "FROM ledger_entries WHERE idempotency_key = :key"
)

_ENTRY_STATE = text(
    "SELECT id, status, expires_at, reference FROM ledger_entries WHERE id = :id"
).columns(expires_at=UTCDateTime())

_ACCOUNT_STATUSES = text(
    "SELECT id, code, status FROM ledger_accounts WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))

_ENTRY_POSTINGS = text(
    "SELECT p.account_id, p.side, p.amount, a.code, a.allow_overdraft "
    "FROM ledger_postings AS p JOIN ledger_accounts AS a ON a.id = p.account_id "
    "WHERE p.entry_id = :id ORDER BY p.id"
)

_REVERSAL_OF = text("SELECT id, idempotency_key FROM ledger_entries WHERE reverses_id = :id")


def write_entry(
    connection: Connection,
    entry: dict[str, Any],
    postings: Sequence[NewPosting],
    locked_totals: Sequence[Totals],
) -> int | None:
    """Insert the entry with its postings and add the totals of the accounts this
    transaction holds locked; ``None``, and nothing written, if the key exists."""
    if connection.dialect.name == "postgresql":
        return connection.execute(
            _PG_WRITE,
            {
                **entry,
                "leg_accounts": [p.account_id for p in postings],
                "leg_sides": [p.side for p in postings],
                "leg_amounts": [p.amount for p in postings],
                "leg_currencies": [p.currency for p in postings],
                "total_ids": [t.account_id for t in locked_totals],
                "total_dp": [t.debits_posted for t in locked_totals],
                "total_cp": [t.credits_posted for t in locked_totals],
                "total_dq": [t.debits_pending for t in locked_totals],
                "total_cq": [t.credits_pending for t in locked_totals],
            },
        ).scalar()
    entry_id = connection.execute(_INSERT_ENTRY, entry).scalar()
    if entry_id is not None:
        connection.execute(
            _INSERT_POSTING,
            [
                {
                    "entry_id": entry_id,
                    "account_id": p.account_id,
                    "side": p.side,
                    "amount": p.amount,
                    "currency": p.currency,
                }
                for p in postings
            ],
        )
        add_totals(connection, locked_totals)
    return entry_id


def add_totals(connection: Connection, totals: Sequence[Totals]) -> None:
    """Increment accounts' totals, one statement each, in the order given (lock order)."""
    if totals:
        connection.execute(_ADD_TOTALS, [t.params() for t in totals])


def find_by_key(connection: Connection, key: str) -> Row[Any] | None:
    return connection.execute(_FIND_BY_KEY, {"key": key}).first()


def entry_state(connection: Connection, entry_id: int) -> Row[Any] | None:
    return connection.execute(_ENTRY_STATE, {"id": entry_id}).first()


def account_statuses(connection: Connection, account_ids: Sequence[int]) -> list[Row[Any]]:
    """Status of accounts read without a lock (accounts whose balance is not checked)."""
    return list(connection.execute(_ACCOUNT_STATUSES, {"ids": list(account_ids)}))


def entry_postings(connection: Connection, entry_id: int) -> list[Row[Any]]:
    """An entry's postings with their account's code and overdraft rule, in leg order."""
    return list(connection.execute(_ENTRY_POSTINGS, {"id": entry_id}))


def reversal_of(connection: Connection, entry_id: int) -> Row[Any] | None:
    return connection.execute(_REVERSAL_OF, {"id": entry_id}).first()


def forget_loaded(session: Session, model: type[Account] | type[Entry], ids: Sequence[int]) -> None:
    """Expire ORM objects of rows changed here by SQL, so callers never read stale totals."""
    identity_map = session.identity_map
    if not len(identity_map):
        return
    for row_id in ids:
        instance = identity_map.get(session.identity_key(model, row_id))
        if instance is not None:
            session.expire(instance)
