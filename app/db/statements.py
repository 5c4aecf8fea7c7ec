"""Counting the SQL statements a piece of work sends (round trips to the database).

The paths people wait on cost round trips and lock waits more than Python
(issue 21's profile), so the benches print statements per operation next to
each figure and tests can pin a path's count: a change that adds a round trip
to a payment shows up as a number, not as a vague slowdown.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class StatementCount:
    """What the engine sent while counting: ``total`` statements, by their first word."""

    total: int = 0
    by_verb: dict[str, int] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    keep_texts: bool = False

    def record(self, statement: str, executemany: bool) -> None:
        self.total += 1
        words = statement.strip().rstrip(";").split(None, 1)
        # the pool's pre-ping (";" on psycopg) is a round trip like any other
        verb = words[0].upper() if words else "PING"
        self.by_verb[verb] = self.by_verb.get(verb, 0) + 1
        if self.keep_texts:
            self.texts.append(statement)

    def summary(self) -> str:
        """'12 (SELECT 5, INSERT 4, UPDATE 3)': for a bench line or an assertion message."""
        verbs = ", ".join(f"{verb} {count}" for verb, count in sorted(self.by_verb.items()))
        return f"{self.total} ({verbs})" if verbs else str(self.total)


# Set while SQLAlchemy itself is executing on this thread: the driver's cursor then
# runs a statement the engine events counted already.
_in_engine = threading.local()


@contextmanager
def count_statements(engine: Engine, *, keep_texts: bool = False) -> Iterator[StatementCount]:
    """Count every statement ``engine`` sends inside the block (from any thread: keep
    the block to the work being measured). BEGIN and COMMIT are sent by the driver, not
    as statements, so they are not counted; ``SAVEPOINT`` and friends are.

    On PostgreSQL the ledger sends some statements on the driver's own cursor
    (``app/ledger/journal.py``: one round trip for an entry and its postings),
    which SQLAlchemy's events never see; those are counted at the driver
    (psycopg's ``Cursor.execute``), so a count is every round trip, not only
    the ORM's."""
    counted = StatementCount(keep_texts=keep_texts)

    def before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        _in_engine.active = True
        counted.record(statement, executemany)

    def after(*_args: Any) -> None:
        _in_engine.active = False

    def error(_context: Any) -> None:
        _in_engine.active = False

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", error)
    undo = _count_driver_cursor(engine, counted)
    try:
        yield counted
    finally:
        undo()
        event.remove(engine, "handle_error", error)
        event.remove(engine, "after_cursor_execute", after)
        event.remove(engine, "before_cursor_execute", before)


def _count_driver_cursor(engine: Engine, counted: StatementCount) -> Any:
    """Count statements sent on psycopg cursors outside SQLAlchemy; returns the undo."""
    if engine.dialect.driver != "psycopg":
        return lambda: None
    import psycopg

    original_execute = psycopg.Cursor.execute
    original_executemany = psycopg.Cursor.executemany

    def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_in_engine, "active", False):
            counted.record(_text_of(query), False)
        return original_execute(self, query, *args, **kwargs)

    def executemany(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_in_engine, "active", False):
            counted.record(_text_of(query), True)
        return original_executemany(self, query, *args, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    psycopg.Cursor.executemany = executemany  # type: ignore[method-assign]

    def undo() -> None:
        psycopg.Cursor.execute = original_execute  # type: ignore[method-assign]
        psycopg.Cursor.executemany = original_executemany  # type: ignore[method-assign]

    return undo


def _text_of(query: Any) -> str:
    if isinstance(query, bytes):
        return query.decode(errors="replace")
    return query if isinstance(query, str) else str(query)
