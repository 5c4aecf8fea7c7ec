"""The SQL that writes the journal: an entry, its postings and the account totals.

``posting.py`` decides what to write; this module writes it in as few round
trips as each backend allows, because every round trip made while a row lock
is held makes the next writer of that row wait longer.

* PostgreSQL: one statement inserts the entry (``ON CONFLICT DO NOTHING``:
  a replayed key inserts nothing), its postings and the increments of the
  accounts it holds locked. The accounts it does not lock (those that may
  overdraw) are written at COMMIT (``deferred.py``).
* SQLite: the same rows in three statements; they run in-process and writers
  are serialised anyway.

The account totals are only ever changed by increments here, never by writing
a value read earlier, so two writers can never lose each other's update.
"""

from __future__ import annotations

import json
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

# PostgreSQL runs this through psycopg itself: it is the ledger's hottest
# statement, and SQLAlchemy's per-statement work costs as much client CPU as the
# driver's. Legs travel as four array literals (cheaper to build than to adapt
# lists), the totals of the locked accounts are summed from them in the
# statement, and the text never changes, so the server keeps it prepared.
_PG_WRITE = """
WITH new_entry AS (
    INSERT INTO ledger_entries (idempotency_key, fingerprint, kind, reference, status,
        created_at, posted_at, expires_at, metadata, reverses_id)
    VALUES (%(key)s, %(fingerprint)s, %(kind)s, %(reference)s, %(status)s,
        %(created_at)s, %(posted_at)s, %(expires_at)s, CAST(%(meta)s AS json), %(reverses_id)s)
    ON CONFLICT DO NOTHING
    RETURNING id
), leg AS (
    SELECT * FROM unnest(
        CAST(%(accounts)s AS bigint[]), CAST(%(sides)s AS text[]),
        CAST(%(amounts)s AS bigint[]), CAST(%(currencies)s AS text[])
    ) WITH ORDINALITY AS leg(account_id, side, amount, currency, position)
), new_postings AS (
    INSERT INTO ledger_postings (entry_id, account_id, side, amount, currency)
    SELECT new_entry.id, leg.account_id, leg.side, leg.amount, leg.currency
    FROM new_entry, leg
    ORDER BY leg.position
), delta AS (
    SELECT account_id,
        coalesce(sum(amount) FILTER (WHERE side = 'debit'), 0) AS debits,
        coalesce(sum(amount) FILTER (WHERE side = 'credit'), 0) AS credits
    FROM leg
    GROUP BY account_id
), new_totals AS (
    UPDATE ledger_accounts AS account SET
        debits_posted = account.debits_posted
            + CASE WHEN %(pending)s THEN 0 ELSE delta.debits END,
        credits_posted = account.credits_posted
            + CASE WHEN %(pending)s THEN 0 ELSE delta.credits END,
        debits_pending = account.debits_pending
            + CASE WHEN %(pending)s THEN delta.debits ELSE 0 END,
        credits_pending = account.credits_pending
            + CASE WHEN %(pending)s THEN delta.credits ELSE 0 END
    FROM new_entry, delta
    WHERE account.id = delta.account_id AND NOT account.allow_overdraft
)
SELECT id FROM new_entry
"""


def array_literal(values: Sequence[int | str]) -> str:
    """A PostgreSQL array literal: ``{1,2}``, ``{"wallet:a","fees:p2p"}``."""
    return (
        "{"
        + ",".join(
            str(v)
            if isinstance(v, int)
            else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
        + "}"
    )


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
    transaction holds locked (on PostgreSQL the statement sums them from the
    legs); ``None``, and nothing written, if the key exists."""
    if connection.dialect.name == "postgresql":
        meta = entry["meta"]
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                _PG_WRITE,
                {
                    **entry,
                    "meta": None if meta is None else json.dumps(meta),
                    "pending": entry["status"] == "pending",
                    "accounts": array_literal([p.account_id for p in postings]),
                    "sides": array_literal([p.side for p in postings]),
                    "amounts": array_literal([p.amount for p in postings]),
                    "currencies": array_literal([p.currency for p in postings]),
                },
            )
            row = cursor.fetchone()
        return None if row is None else row[0]
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
