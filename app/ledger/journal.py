"""The SQL that writes the journal: an entry, its postings and the account totals.

``posting.py`` decides what to write; this module writes it in as few round
trips as each backend allows, because every round trip made while a row lock
is held makes the next writer of that row wait longer.

* PostgreSQL: one statement locks the accounts that may not overdraw, checks
  the entry and inserts it (``ON CONFLICT DO NOTHING``: a replayed key inserts
  nothing), its postings and the increments of the accounts it locked
  (``write_checked_entry``); one statement claims a hold and settles it
  (``settle_pending``). The accounts it does not lock (those that may
  overdraw) are written at COMMIT (``deferred.py``). ``write_entry`` is the
  stepwise path's write, after ``locks.lock_accounts``.
* SQLite: the same rows in three statements; they run in-process and writers
  are serialised anyway.

The account totals are only ever changed by increments here, never by writing
a value read earlier, so two writers can never lose each other's update.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import JSON, bindparam, insert, text
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from app.db import UTCDateTime
from app.db.bulk import json_rows
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


@functools.cache
def _pg_write(legs: int) -> str:
    """The PostgreSQL write of an entry with ``legs`` legs.

    Run through psycopg itself: it is the ledger's hottest statement, and
    SQLAlchemy's per-statement work costs as much client CPU as the driver's.
    One text per number of legs, each leg a row of scalar parameters: the
    server then estimates the generic plan of the prepared statement exactly
    and keeps it, instead of planning the statement again at every entry (as
    it does for a statement fed arrays of unknown length). The totals of the
    locked accounts are summed from the legs in the statement.
    """
    rows = ", ".join(f"(%s::bigint, %s::text, %s::bigint, %s::text, {n})" for n in range(legs))
    return f"""
WITH new_entry AS (
    INSERT INTO ledger_entries (idempotency_key, fingerprint, kind, reference, status,
        created_at, posted_at, expires_at, metadata, reverses_id)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::json, %s)
    ON CONFLICT DO NOTHING
    RETURNING id, status = 'pending' AS pending
), leg (account_id, side, amount, currency, position) AS (
    VALUES {rows}
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
            + CASE WHEN new_entry.pending THEN 0 ELSE delta.debits END,
        credits_posted = account.credits_posted
            + CASE WHEN new_entry.pending THEN 0 ELSE delta.credits END,
        debits_pending = account.debits_pending
            + CASE WHEN new_entry.pending THEN delta.debits ELSE 0 END,
        credits_pending = account.credits_pending
            + CASE WHEN new_entry.pending THEN delta.credits ELSE 0 END
    FROM new_entry, delta
    WHERE account.id = delta.account_id AND NOT account.allow_overdraft
)
SELECT id FROM new_entry
"""


@functools.cache
def _pg_checked_write(legs: int, codes: int, pending: bool) -> str:
    """The PostgreSQL write of an entry in one statement: lock, check, insert, add.

    ``legs`` rows of (code, side, amount) and the entry's ``codes`` distinct
    account codes (twice: once for the accounts it locks, once for those it
    does not); ``pending`` (a hold) is written into the text. In order, within the statement:

    1. ``guarded``: lock the accounts that may not overdraw, in id order
       (``FOR NO KEY UPDATE``, the lock order of ``locks.py``); under READ
       COMMITTED the rows come back as the latest committed version;
    2. ``verdict``: every code found, the legs balanced per currency, and no
       account lowered below what it has available, nor lowered while frozen
       or closed (``posting.reduces_available``, in SQL);
    3. only then insert the entry (``ON CONFLICT DO NOTHING``: a used key or a
       second reversal inserts nothing), its postings, and add the locked
       accounts' totals.

    The statement returns every account of the entry as it stood before the
    write, each row with the new entry's id (``NULL`` when nothing was
    written): Python tells a refusal from a replay with the same rules as the
    stepwise path and queues the increments of the accounts it did not lock
    (``deferred.py``). Scalar parameters only, one text per shape, so psycopg
    prepares it and the server keeps the generic plan (see ``_pg_write``).
    """
    rows = ", ".join(f"(%s::text, %s::text, %s::bigint, {n})" for n in range(legs))
    marks = ", ".join(["%s"] * codes)
    totals = "debits_posted, credits_posted, debits_pending, credits_pending"
    held = "true" if pending else "false"
    return f"""
WITH leg (code, side, amount, position) AS (
    VALUES {rows}
), guarded AS (
    SELECT id, code, normal, currency, status, {totals} FROM ledger_accounts
    WHERE code IN ({marks}) AND NOT allow_overdraft
    ORDER BY id FOR NO KEY UPDATE
), account AS (
    SELECT id, code, normal, currency, status, {totals}, false AS allow_overdraft FROM guarded
    UNION ALL
    SELECT id, code, normal, currency, status, {totals}, true FROM ledger_accounts
    WHERE code IN ({marks}) AND allow_overdraft
), delta AS (
    SELECT account.id, account.currency, account.allow_overdraft, account.status,
        CASE WHEN account.normal = 'credit'
            THEN account.credits_posted - account.debits_posted - account.debits_pending
            ELSE account.debits_posted - account.credits_posted - account.credits_pending
        END AS available,
        coalesce(sum(leg.amount) FILTER (WHERE leg.side = 'debit'), 0) AS debits,
        coalesce(sum(leg.amount) FILTER (WHERE leg.side = 'credit'), 0) AS credits,
        CASE WHEN account.normal = 'credit'
            THEN coalesce(sum(leg.amount) FILTER (WHERE leg.side = 'debit'), 0)
                - CASE WHEN {held} THEN 0
                    ELSE coalesce(sum(leg.amount) FILTER (WHERE leg.side = 'credit'), 0) END
            ELSE coalesce(sum(leg.amount) FILTER (WHERE leg.side = 'credit'), 0)
                - CASE WHEN {held} THEN 0
                    ELSE coalesce(sum(leg.amount) FILTER (WHERE leg.side = 'debit'), 0) END
        END AS needed
    FROM account JOIN leg ON leg.code = account.code
    GROUP BY account.id, account.currency, account.allow_overdraft, account.status,
        account.normal, account.debits_posted, account.credits_posted,
        account.debits_pending, account.credits_pending
), verdict AS (
    SELECT (SELECT count(*) FROM account) = {codes}
        AND NOT EXISTS (
            SELECT 1 FROM delta GROUP BY currency HAVING sum(debits - credits) <> 0)
        AND NOT EXISTS (
            SELECT 1 FROM delta WHERE needed > 0
            AND (status <> 'active' OR (NOT allow_overdraft AND available < needed))
        ) AS ok
), new_entry AS (
    INSERT INTO ledger_entries (idempotency_key, fingerprint, kind, reference, status,
        created_at, posted_at, expires_at, metadata, reverses_id)
    SELECT %s, %s, %s, %s, %s, %s::timestamptz, %s::timestamptz, %s::timestamptz,
        %s::json, %s::bigint
    FROM verdict WHERE verdict.ok
    ON CONFLICT DO NOTHING
    RETURNING id
), new_postings AS (
    INSERT INTO ledger_postings (entry_id, account_id, side, amount, currency)
    SELECT new_entry.id, account.id, leg.side, leg.amount, account.currency
    FROM new_entry, leg JOIN account ON account.code = leg.code
    ORDER BY leg.position
), new_totals AS (
    UPDATE ledger_accounts AS target SET
        debits_posted = target.debits_posted
            + CASE WHEN {held} THEN 0 ELSE delta.debits END,
        credits_posted = target.credits_posted
            + CASE WHEN {held} THEN 0 ELSE delta.credits END,
        debits_pending = target.debits_pending
            + CASE WHEN {held} THEN delta.debits ELSE 0 END,
        credits_pending = target.credits_pending
            + CASE WHEN {held} THEN delta.credits ELSE 0 END
    FROM new_entry, delta
    WHERE target.id = delta.id AND NOT delta.allow_overdraft
)
SELECT (SELECT id FROM new_entry) AS entry_id, account.id, code, normal, currency, status,
    {totals}, allow_overdraft
FROM account ORDER BY account.id
"""


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
        params: list[Any] = [
            entry["key"],
            entry["fingerprint"],
            entry["kind"],
            entry["reference"],
            entry["status"],
            entry["created_at"],
            entry["posted_at"],
            entry["expires_at"],
            None if meta is None else json.dumps(meta),
            entry["reverses_id"],
        ]
        for p in postings:
            params += (p.account_id, p.side, p.amount, p.currency)
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            row = cursor.execute(_pg_write(len(postings)), params).fetchone()
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


class CheckedAccount(NamedTuple):
    """An account of an entry as the one-statement write found it, before writing."""

    id: int
    code: str
    normal: str
    currency: str
    status: str
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    allow_overdraft: bool


def write_checked_entry(
    connection: Connection,
    entry: dict[str, Any],
    legs: Sequence[tuple[str, str, int]],
    pending: bool,
) -> tuple[int | None, list[CheckedAccount]]:
    """PostgreSQL: lock, check and write an entry in one round trip.

    ``legs`` are (code, side, amount). Returns the new entry's id, ``None`` if
    nothing was written (refused, unknown account, used key), and the entry's
    accounts as they stood before the write, locked ones under their lock.
    """
    codes = sorted({code for code, _side, _amount in legs})
    params: list[Any] = [value for leg in legs for value in leg]
    params += codes
    params += codes
    meta = entry["meta"]
    params += (
        entry["key"],
        entry["fingerprint"],
        entry["kind"],
        entry["reference"],
        entry["status"],
        entry["created_at"],
        entry["posted_at"],
        entry["expires_at"],
        None if meta is None else json.dumps(meta),
        entry["reverses_id"],
    )
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor:
        rows = cursor.execute(_pg_checked_write(len(legs), len(codes), pending), params).fetchall()
    entry_id = rows[0][0] if rows else None
    return entry_id, [CheckedAccount(*row[1:]) for row in rows]


_PG_SETTLE = """
WITH claimed AS (
    UPDATE ledger_entries SET status = %(status)s, posted_at = %(posted_at)s,
        voided_at = %(voided_at)s, void_reason = %(reason)s
    WHERE id = %(id)s AND status = 'pending'
        AND (%(any_expiry)s OR expires_at IS NULL OR expires_at > %(now)s)
    RETURNING id, idempotency_key, kind, reference
), delta AS (
    SELECT posting.account_id, account.allow_overdraft,
        coalesce(sum(posting.amount) FILTER (WHERE posting.side = 'debit'), 0) AS debits,
        coalesce(sum(posting.amount) FILTER (WHERE posting.side = 'credit'), 0) AS credits
    FROM claimed
    JOIN ledger_postings AS posting ON posting.entry_id = claimed.id
    JOIN ledger_accounts AS account ON account.id = posting.account_id
    GROUP BY posting.account_id, account.allow_overdraft
), locked AS (
    SELECT id FROM ledger_accounts
    WHERE id IN (SELECT account_id FROM delta WHERE NOT allow_overdraft)
    ORDER BY id FOR NO KEY UPDATE
), new_totals AS (
    UPDATE ledger_accounts AS target SET
        debits_pending = target.debits_pending - delta.debits,
        credits_pending = target.credits_pending - delta.credits,
        debits_posted = target.debits_posted + CASE WHEN %(posting)s THEN delta.debits ELSE 0 END,
        credits_posted = target.credits_posted
            + CASE WHEN %(posting)s THEN delta.credits ELSE 0 END
    FROM delta
    WHERE target.id = delta.account_id AND NOT delta.allow_overdraft
        AND (SELECT count(*) FROM locked) > 0
)
SELECT claimed.id, claimed.idempotency_key, claimed.kind, claimed.reference,
    delta.account_id, delta.allow_overdraft, delta.debits, delta.credits
FROM claimed LEFT JOIN delta ON true
ORDER BY delta.account_id
"""


class Settled(NamedTuple):
    """A pending entry claimed and settled in one statement, and what it moved."""

    id: int
    idempotency_key: str
    kind: str
    reference: str | None
    # (account id, may overdraw, debits, credits) of each account of the entry
    accounts: list[tuple[int, bool, int, int]]


def settle_pending(
    connection: Connection,
    entry_id: int,
    *,
    to_posted: bool,
    now: Any,
    reason: str | None = None,
) -> Settled | None:
    """PostgreSQL: claim a pending entry and move its reservation in one statement.

    The guarded UPDATE claims the entry (``locks.claim_pending_entry``'s rule:
    posting also needs the hold unexpired); then its accounts that may not
    overdraw are locked in id order, all of them before the first is written
    (the lock order of ``locks.py``), and their pending totals moved to posted
    or released. The accounts that may overdraw come back for the COMMIT
    (``deferred.py``). ``None``: nothing claimed, nothing written.
    """
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor:
        rows = cursor.execute(
            _PG_SETTLE,
            {
                "id": entry_id,
                "status": "posted" if to_posted else "voided",
                "posted_at": now if to_posted else None,
                "voided_at": None if to_posted else now,
                "reason": reason,
                "any_expiry": not to_posted,
                "now": now,
                "posting": to_posted,
            },
        ).fetchall()
    if not rows:
        return None
    first = rows[0]
    return Settled(
        first[0],
        first[1],
        first[2],
        first[3],
        [(row[4], bool(row[5]), int(row[6]), int(row[7])) for row in rows if row[4] is not None],
    )


# -- many entries at once (bulk.py) -------------------------------------------

# PostgreSQL: each statement takes its rows as one JSON document, so a chunk
# of entries costs three round trips whatever its size, the text never changes
# (one plan, kept), and the client encodes the rows in C instead of escaping
# array elements in Python (app/db/bulk.py).
#
# Two transactions inserting some of the same keys must take the unique
# index's locks in one order, or each may wait for a key the other holds: the
# rows go in sorted by key. Their ids are drawn first and handed out in the
# caller's order, so entries still number (and statements list them) in it.
_PG_DRAW_IDS = (
    "SELECT nextval(pg_get_serial_sequence('ledger_entries', 'id')) FROM generate_series(1, %s)"
)
_PG_INSERT_ENTRIES = """
INSERT INTO ledger_entries (id, idempotency_key, fingerprint, kind, reference, status,
    created_at, posted_at, metadata)
SELECT id, key, fingerprint, kind, reference, 'posted', %s, %s, meta
FROM json_to_recordset(%s::json)
    AS new_entry (id bigint, key text, fingerprint text, kind text, reference text, meta json)
ORDER BY key
ON CONFLICT DO NOTHING
RETURNING idempotency_key, id
"""
_PG_INSERT_POSTINGS = """
INSERT INTO ledger_postings (entry_id, account_id, side, amount, currency)
SELECT entry_id, account_id, side, amount, currency
FROM json_to_recordset(%s::json)
    AS new_posting (entry_id bigint, account_id bigint, side text, amount bigint, currency text)
"""
_PG_ADD_POSTED = """
UPDATE ledger_accounts AS account SET
    debits_posted = account.debits_posted + delta.debits,
    credits_posted = account.credits_posted + delta.credits
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS delta (id, debits, credits)
WHERE account.id = delta.id
"""

_ENTRIES = Entry.__table__
_SQLITE_INSERT_ENTRIES = insert(_ENTRIES).returning(
    _ENTRIES.c.idempotency_key, _ENTRIES.c.id, sort_by_parameter_order=True
)
_BY_KEYS_COLUMNS = (
    "SELECT id, idempotency_key, fingerprint, kind, status, reference FROM ledger_entries "
)
# One array parameter on PostgreSQL: a list of placeholders, once prepared,
# gets a generic plan that scans the table (app/db/bulk.py).
_PG_FIND_BY_KEYS = text(_BY_KEYS_COLUMNS + "WHERE idempotency_key = ANY(:keys)")
_SQLITE_FIND_BY_KEYS = text(_BY_KEYS_COLUMNS + "WHERE idempotency_key IN :keys").bindparams(
    bindparam("keys", expanding=True)
)
# Under SQLite's default limit of bound parameters, with room to spare.
_LOOKUP_CHUNK = 900


def find_by_keys(connection: Connection, keys: Sequence[str]) -> dict[str, Row[Any]]:
    """The entries already written under any of ``keys``, by key."""
    found: dict[str, Row[Any]] = {}
    if connection.dialect.name == "postgresql":
        chunks, statement = [list(keys)], _PG_FIND_BY_KEYS
    else:
        chunks = [list(keys[i : i + _LOOKUP_CHUNK]) for i in range(0, len(keys), _LOOKUP_CHUNK)]
        statement = _SQLITE_FIND_BY_KEYS
    for chunk in chunks:
        for row in connection.execute(statement, {"keys": chunk}):
            found[row.idempotency_key] = row
    return found


def write_posted_entries(
    connection: Connection,
    entries: Sequence[dict[str, Any]],
    postings: dict[str, Sequence[NewPosting]],
    now: Any,
) -> dict[str, int]:
    """Insert posted entries and their postings (``postings`` by entry key).

    Returns the new ids by key. A key that exists by then (written by another
    transaction since the caller looked) inserts nothing and is absent from
    the result, and so are its postings. Account totals are the caller's.
    """
    if not entries:
        return {}
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            drawn = sorted(row[0] for row in cursor.execute(_PG_DRAW_IDS, [len(entries)]))
            numbered = [e | {"id": i} for e, i in zip(entries, drawn, strict=True)]
            cursor.execute(_PG_INSERT_ENTRIES, [now, now, json_rows(numbered)])
            ids = dict(cursor.fetchall())
            cursor.execute(_PG_INSERT_POSTINGS, [json_rows(_posting_rows(ids, postings))])
        return ids
    # SQLite: the caller's BEGIN IMMEDIATE excludes every other writer, so the
    # keys it found free are still free.
    result = connection.execute(
        _SQLITE_INSERT_ENTRIES,
        [
            {
                "idempotency_key": e["key"],
                "fingerprint": e["fingerprint"],
                "kind": e["kind"],
                "reference": e["reference"],
                "status": "posted",
                "created_at": now,
                "posted_at": now,
                "metadata": e["meta"],
            }
            for e in entries
        ],
    )
    ids = {key: entry_id for key, entry_id in result}
    connection.execute(_INSERT_POSTING, _posting_rows(ids, postings))
    return ids


def _posting_rows(
    ids: dict[str, int], postings: dict[str, Sequence[NewPosting]]
) -> list[dict[str, Any]]:
    """The posting rows of the entries written (``ids`` by key), in their order."""
    return [
        {
            "entry_id": ids[key],
            "account_id": p.account_id,
            "side": p.side,
            "amount": p.amount,
            "currency": p.currency,
        }
        for key in ids
        for p in postings[key]
    ]


def add_posted_totals(connection: Connection, totals: Sequence[Totals]) -> None:
    """Add posted increments to many accounts: one statement on PostgreSQL."""
    if not totals:
        return
    if connection.dialect.name != "postgresql":
        add_totals(connection, totals)
        return
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(
            _PG_ADD_POSTED,
            [
                [t.account_id for t in totals],
                [t.debits_posted for t in totals],
                [t.credits_posted for t in totals],
            ],
        )


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
