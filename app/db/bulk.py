"""Set-based SQL for bulk work: many rows looked up, written or drawn per statement.

A chunk of a bulk payout handles hundreds of rows at once; these helpers do it per
chunk, never per row, in the shape each backend plans well.

Looking rows up by a list of keys (``key_chunks``, ``any_of``)
--------------------------------------------------------------

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

Writing many rows of one table in one statement (``insert_rows``, ``update_rows``)
----------------------------------------------------------------------------------

A chunk of a disbursement batch writes hundreds of transfers and line
results. Sent as one statement per row (the driver's ``executemany``), each
row costs the server an execution; sent as arrays, one per column, the client
spends more time than the server: psycopg escapes every element of a text
array in Python, and a JSON column is all quotes to escape (17 ms of CPU for
500 metadata documents). On PostgreSQL these helpers send the whole set of
rows as one JSON document that the server reads with ``json_to_recordset``:
one statement, one parameter, encoded by the C JSON encoder (under 3 ms for
500 rows), one plan kept for good. SQLite runs in-process: the plain
``executemany`` is as fast as anything there.

Drawing values that must not collide with a unique column (``draw_unique``)
---------------------------------------------------------------------------

A bulk payout needs hundreds of references (transfers, remittances) and
withdrawal codes per chunk. Drawing them one by one costs a query each; here
the candidates are drawn together and checked against the table in one query
per few hundred, and only the (rare) collisions are drawn again.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Table,
    and_,
    any_,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

_PG = postgresql.dialect()

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


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys: column names) into ``table``.

    Every row names every column it needs: on PostgreSQL the statement is
    SQL, so the models' Python-side defaults and type checks do not apply.
    """
    if not rows:
        return
    _same_columns(rows)
    if not _is_postgresql(session):
        session.execute(insert(table), list(rows))
        return
    _run(session, _pg_insert(table, tuple(rows[0])), rows)


def update_rows(
    session: Session, table: Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Update the row of ``table`` named by the ``keys`` columns of each of ``rows``
    with its other columns (same keys in every row)."""
    if not rows:
        return
    _same_columns(rows)
    keys = tuple(keys)
    changed = tuple(name for name in rows[0] if name not in keys)
    if not _is_postgresql(session):
        statement = (
            update(table)
            .where(and_(*(table.c[k] == bindparam(f"key_{k}") for k in keys)))
            .values({name: bindparam(f"new_{name}") for name in changed})
        )
        session.execute(
            statement,
            [
                {f"key_{k}": row[k] for k in keys} | {f"new_{name}": row[name] for name in changed}
                for row in rows
            ],
        )
        return
    _run(session, _pg_update(table, keys, changed), rows)


def _same_columns(rows: Sequence[dict[str, Any]]) -> None:
    """The statement's columns come from the first row: a row with others is a bug."""
    first = rows[0].keys()
    if any(row.keys() != first for row in rows):
        raise ValueError("every row of a bulk write must name the same columns")


def json_rows(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as the JSON document ``json_to_recordset`` reads (datetimes in ISO 8601)."""
    return json.dumps(list(rows), default=_iso, separators=(",", ":"))


@functools.cache
def _pg_insert(table: Table, columns: tuple[str, ...]) -> str:
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM {_recordset(table, columns)}"
    )


@functools.cache
def _pg_update(table: Table, keys: tuple[str, ...], changed: tuple[str, ...]) -> str:
    return (
        f"UPDATE {table.name} AS target SET "
        + ", ".join(f"{name} = new_row.{name}" for name in changed)
        + f" FROM {_recordset(table, keys + changed)} WHERE "
        + " AND ".join(f"target.{k} = new_row.{k}" for k in keys)
    )


def _recordset(table: Table, columns: tuple[str, ...]) -> str:
    definitions = ", ".join(f"{name} {_pg_type(table, name)}" for name in columns)
    return f"json_to_recordset(%s::json) AS new_row ({definitions})"


def _pg_type(table: Table, name: str) -> str:
    column_type = table.c[name].type
    return "json" if isinstance(column_type, JSON) else column_type.compile(dialect=_PG)


def _iso(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a JSON row")


def _run(session: Session, statement: str, rows: Sequence[dict[str, Any]]) -> None:
    raw: Any = session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(statement, [json_rows(rows)])


def draw_unique(session: Session, column: Any, count: int, make: Callable[[], str]) -> list[str]:
    """``count`` distinct values from ``make()``, none of them already in ``column``."""
    chosen: dict[str, None] = {}
    while len(chosen) < count:
        candidates = {make() for _ in range(count - len(chosen))} - chosen.keys()
        taken = taken_values(session, column, candidates)
        chosen |= dict.fromkeys(sorted(candidates - taken))
    return list(chosen)


def taken_values(session: Session, column: Any, values: set[str]) -> set[str]:
    """Those of ``values`` already in ``column``."""
    taken: set[str] = set()
    for chunk in key_chunks(session, sorted(values)):
        taken |= set(session.scalars(select(column).where(any_of(session, column, chunk))))
    return taken
