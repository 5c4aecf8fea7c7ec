"""Looking rows up by a list of keys, in the shape each backend plans well.

Bulk payouts look hundreds of keys up per chunk (references, idempotency
keys, numbers, account codes). Written as ``column IN (:k1, …, :k500)``, the
statement is prepared by psycopg after a few runs and PostgreSQL then keeps a
generic plan, in which the list is compared to every row of a sequential scan
one value at a time: a lookup that took a millisecond on a small table took a
quarter of a second at 40 000 rows. ``column = ANY(:array)`` is one parameter
whose plan uses the unique index once the table has any size (see
``prefer_indexes`` for tables that were tiny when the plan was made).
SQLite has no arrays; there the list is an ``IN`` cut into chunks under its
limit of bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

# Under SQLite's default limit of bound parameters, with room to spare.
SQLITE_CHUNK = 900


def key_chunks(session: Session, values: Sequence[Any]) -> Iterator[list[Any]]:
    """``values`` in as few lists as the backend takes in one statement (one on PostgreSQL)."""
    if not values:
        return
    if _is_postgresql(session):
        yield list(values)
        return
    for start in range(0, len(values), SQLITE_CHUNK):
        yield list(values[start : start + SQLITE_CHUNK])


def any_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values``: an array parameter on PostgreSQL, ``IN`` elsewhere."""
    if _is_postgresql(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def prefer_indexes(session: Session) -> None:
    """Plan this transaction's statements on the indexes, whatever the tables' size.

    Once psycopg has prepared a lookup, PostgreSQL keeps the generic plan it
    made then, with the table sizes of that moment. A bulk payout on young
    tables (the first batches of an installation, or a server whose autovacuum
    does not refresh statistics) keeps the sequential scan that was right at a
    hundred remittances while the table grows to a hundred thousand: 5-10 ms
    per lookup and rising. Planning each statement afresh is no cure: a custom
    plan of ``= ANY`` of 500 constants costs milliseconds to plan, and the RI
    triggers of every inserted row would be planned again too. Every lookup of
    a chunk is by a unique or primary key, so the sequential scan is never what
    a chunk wants: turned off (``SET LOCAL``), the plans made during a chunk are
    the indexes' and stay right as the tables grow. The setting ends with the
    transaction, but the plans a connection cached under it are kept: they are
    lookups by key, right anywhere. A statement the connection had already
    cached with a scan keeps it until its statistics change (autovacuum's
    ANALYZE invalidates it, as it would the young tables' plans in production).
    """
    if _is_postgresql(session):
        session.execute(text("SET LOCAL enable_seqscan = off"))


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
