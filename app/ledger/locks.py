"""Every row lock the ledger takes, and the one order it takes them in.

The order is global: first the accounts that may not go below zero, by id,
then the accounts that may (fees, commission, the trust bank), by id. Every
write follows it, so two entries touching the same accounts queue instead of
deadlocking, whichever way the money flows between them.

* Accounts without overdraft are locked up front with ``SELECT … FOR NO KEY
  UPDATE`` (the row lock of an UPDATE, which still lets foreign-key checks
  through) and checked under the lock, so two entries cannot both spend the
  same franc. The lock is taken by code and returns what the write needs to
  know about them, so it doubles as their lookup: one round trip, not two.
* Accounts with overdraft allowed need no check, so they get no pre-read lock:
  their atomic increments are sent last, with the COMMIT itself on PostgreSQL
  (``deferred.py``), in id order. A fee account that every transfer credits is
  held for the time the server takes to commit, not for the whole entry.
* A pending entry is claimed by a guarded UPDATE (``WHERE status = 'pending'``)
  before its accounts are touched: of two racing post/void calls one wins.

SQLite has no row locks; ``BEGIN IMMEDIATE`` (app/db/engine.py) serialises writers.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any, NamedTuple

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Row

from app.db import UTCDateTime

_LOCKED_COLUMNS = (
    "SELECT id, code, normal, currency, status, debits_posted, credits_posted, "
    "debits_pending, credits_pending FROM ledger_accounts "
)


@functools.cache
def _pg_lock(codes: int) -> str:
    # Run through psycopg itself, like the write that follows it (journal.py),
    # with one scalar parameter per code so the server keeps a generic plan.
    marks = ", ".join(["%s"] * codes)
    return (
        _LOCKED_COLUMNS + f"WHERE code IN ({marks}) AND NOT allow_overdraft "
        "ORDER BY id FOR NO KEY UPDATE"
    )


# Many codes at once (a bulk write): one array parameter, one text, one plan.
_PG_LOCK_MANY = (
    _LOCKED_COLUMNS + "WHERE code = ANY(%s) AND NOT allow_overdraft ORDER BY id FOR NO KEY UPDATE"
)
_MANY = 16
# Under SQLite's default limit of bound parameters, with room to spare.
_SQLITE_CHUNK = 900

_SQLITE_LOCK = text(
    _LOCKED_COLUMNS + "WHERE code IN :codes AND NOT allow_overdraft ORDER BY id"
).bindparams(bindparam("codes", expanding=True))


class LockedAccount(NamedTuple):
    id: int
    code: str
    normal: str
    currency: str
    status: str
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int


_CLAIM = text(
    "UPDATE ledger_entries SET status = :new_status, posted_at = :posted_at, "
    "voided_at = :voided_at, void_reason = :void_reason "
    "WHERE id = :id AND status = 'pending' AND (:any_expiry OR expires_at IS NULL "
    "OR expires_at > :now) "
    "RETURNING id, idempotency_key, kind, reference"
).bindparams(
    bindparam("posted_at", type_=UTCDateTime()),
    bindparam("voided_at", type_=UTCDateTime()),
    bindparam("now", type_=UTCDateTime()),
)


def lock_order(allow_overdraft: bool, account_id: int) -> tuple[bool, int]:
    """Sort key of the global lock order: guarded accounts first, each group by id."""
    return (allow_overdraft, account_id)


def lock_accounts(connection: Connection, codes: Collection[str]) -> dict[str, LockedAccount]:
    """Lock, in id order, those of ``codes`` that may not overdraw; return them by code.

    Each row carries the account's id, normal side, currency, status and totals.
    Codes of accounts that may overdraw (or do not exist) are simply absent.
    """
    if not codes:
        return {}
    ordered = sorted(codes)
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            if len(ordered) > _MANY:
                rows = cursor.execute(_PG_LOCK_MANY, [ordered]).fetchall()
            else:
                rows = cursor.execute(_pg_lock(len(ordered)), ordered).fetchall()
    else:
        rows = []
        for start in range(0, len(ordered), _SQLITE_CHUNK):
            chunk = ordered[start : start + _SQLITE_CHUNK]
            rows += connection.execute(_SQLITE_LOCK, {"codes": chunk}).all()
    return {row[1]: LockedAccount(*row) for row in rows}


def claim_pending_entry(
    connection: Connection,
    entry_id: int,
    new_status: str,
    *,
    now: Any,
    reason: str | None = None,
) -> Row[Any] | None:
    """Move a pending entry to ``posted`` or ``voided`` if, and only if, it still is pending.

    Posting also requires the hold not to have expired; voiding does not, an
    expired hold is released by voiding it. The guarded UPDATE takes the
    entry's row lock, so of two racing calls exactly one gets the row back.
    """
    posting = new_status == "posted"
    return connection.execute(
        _CLAIM,
        {
            "id": entry_id,
            "new_status": new_status,
            "posted_at": now if posting else None,
            "voided_at": None if posting else now,
            "void_reason": reason,
            "any_expiry": not posting,
            "now": now,
        },
    ).first()
