"""Writing many rows of one table in one statement: the other tables of a bulk payout.

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
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Table, and_, bindparam, insert, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

_PG = postgresql.dialect()


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys: column names) into ``table``.

    Every row names every column it needs: on PostgreSQL the statement is
    SQL, so the models' Python-side defaults and type checks do not apply.
    """
    if not rows:
        return
    _same_columns(rows)
    if not _on_postgresql(session):
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
    if not _on_postgresql(session):
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


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
