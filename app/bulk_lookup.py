"""Looking rows up by a list of keys, in the shape each backend plans well.

Bulk payouts look hundreds of keys up per chunk (references, idempotency
keys, numbers, account codes). Written as ``column IN (:k1, …, :k500)``, the
statement is prepared by psycopg after a few runs and PostgreSQL then keeps a
generic plan, in which the list is compared to every row of a sequential scan
one value at a time: a lookup that took a millisecond on a small table took a
quarter of a second at 40 000 rows. ``column = ANY(:array)`` is one parameter
whose plan uses the unique index whatever the table's size or statistics.
SQLite has no arrays; there the list is an ``IN`` cut into chunks under its
limit of bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
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


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
